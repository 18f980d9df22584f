"""``/keys``: the administrator makes and revokes API keys (``RASD_ADMIN_TOKEN``)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response
from starlette.concurrency import run_in_threadpool

from api.auth import AdminDep
from api.keys import InvalidOwner
from api.models import ErrorResponse
from api.state import KeyStoreDep
from api.subscription_models import KeyCreated, KeyIn

router = APIRouter(prefix="/keys", tags=["keys"])

_ADMIN_ERRORS = {
    401: {"model": ErrorResponse, "description": "The administrator token is missing or wrong."},
    403: {"model": ErrorResponse, "description": "RASD_ADMIN_TOKEN is not set: key management is off."},
}


@router.post("", status_code=201, response_model=KeyCreated, summary="Make an API key for an owner",
             description="The key is in the answer and nowhere else: only its SHA-256 hash is kept.",
             responses={**_ADMIN_ERRORS, 422: {"model": ErrorResponse, "description": "Bad owner name."}})
async def create_key(body: KeyIn, _admin: AdminDep, keys: KeyStoreDep) -> KeyCreated:
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
