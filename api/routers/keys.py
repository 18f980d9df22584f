"""``/keys``: the administrator makes and revokes API keys (``RASD_ADMIN_TOKEN``).

The body of ``POST /keys`` is read only once the administrator token was checked, and at most
:data:`MAX_KEY_BODY_BYTES` of it: a caller without the token cannot make the server buffer a
large body.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.auth import AdminDep
from api.exceptions import RequestBodyError
from api.ingest import decode_json_body, read_body_capped
from api.keys import InvalidOwner
from api.models import ErrorResponse
from api.state import KeyStoreDep
from api.subscription_models import KeyCreated, KeyIn

router = APIRouter(prefix="/keys", tags=["keys"])

MAX_KEY_BODY_BYTES = 4096

_ADMIN_ERRORS = {
    401: {"model": ErrorResponse, "description": "The administrator token is missing or wrong."},
    403: {"model": ErrorResponse, "description": "RASD_ADMIN_TOKEN is not set: key management is off."},
}
_KEY_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": KeyIn.model_json_schema()}}}}


def parse_key_request(raw: bytes) -> KeyIn:
    """The ``{"owner": ...}`` of a ``POST /keys`` body.

    Raises:
        RequestBodyError: 422 naming what is wrong (empty, not JSON, not an object, no owner, an unknown field).
    """
    if not raw.strip():
        raise RequestBodyError(422, 'request body is empty: send {"owner": "<name>"}')
    body = decode_json_body(raw)
    if not isinstance(body, dict):
        raise RequestBodyError(422, f'request body must be a JSON object {{"owner": "<name>"}}, '
                                    f"not {type(body).__name__}")
    try:
        return KeyIn.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in error['loc']) or 'body'}: {error['msg']}"
                             for error in exc.errors(include_url=False)[:5])
        raise RequestBodyError(422, f'the body must be {{"owner": "<name>"}}: {problems}') from None


@router.post("", status_code=201, response_model=KeyCreated, summary="Make an API key for an owner",
             description="The key is in the answer and nowhere else: only its SHA-256 hash is kept.",
             openapi_extra=_KEY_BODY,
             responses={**_ADMIN_ERRORS,
                        413: {"model": ErrorResponse, "description": f"Body over {MAX_KEY_BODY_BYTES} bytes."},
                        422: {"model": ErrorResponse, "description": "Malformed body, or a bad owner name."}})
async def create_key(request: Request, _admin: AdminDep, keys: KeyStoreDep) -> KeyCreated:
    raw = await read_body_capped(request.headers.get("content-length"), request.stream(), limit=MAX_KEY_BODY_BYTES)
    body = parse_key_request(raw)
    try:
        token, record = await run_in_threadpool(keys.create, body.owner)
    except InvalidOwner as exc:
        raise HTTPException(422, str(exc)) from None
    return KeyCreated(key=token, prefix=record.prefix, owner=record.owner, created_at=record.created_at)


@router.delete("/{prefix}", status_code=204, summary="Revoke an API key by its prefix",
               responses={**_ADMIN_ERRORS, 404: {"model": ErrorResponse, "description": "No live key has it."}})
async def revoke_key(prefix: str, _admin: AdminDep, keys: KeyStoreDep) -> Response:
    if not await run_in_threadpool(keys.revoke, prefix):
        raise HTTPException(404, f"no live key has the prefix {prefix!r}")
    return Response(status_code=204)
