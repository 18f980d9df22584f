"""Who is calling: the owner of an API key, or the administrator.

A key is sent as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. No key, or a key
that is unknown or revoked, is 401. The administrator token (``RASD_ADMIN_TOKEN``) is sent
the same way and only manages keys; when it is not configured, key management over HTTP is
refused with 403 (keys are then made with ``rasd keys create OWNER``).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.state import ApiSettingsDep, KeyStoreDep

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="rasd"'}
MISSING_KEY = "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"

# Declared for the OpenAPI document (each protected operation lists them as its `security`, either
# one will do). They never refuse a request themselves: read_credential reads the same headers and
# also tells a wrong scheme (Basic …) from a missing key.
BEARER = HTTPBearer(auto_error=False, scheme_name="bearerKey",
                    description="An API key (`rasd keys create OWNER`), or on `/keys` the administrator token.")
API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="apiKeyHeader",
                              description="The same API key in the X-API-Key header.")
BearerDeclared = Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)]
ApiKeyDeclared = Annotated[str | None, Security(API_KEY_HEADER)]


def read_credential(request: Request) -> str | None:
    """The token of the request: the ``Authorization: Bearer`` value, else ``X-API-Key``; None when absent.

    Raises:
        HTTPException: 401 for an ``Authorization`` header of another scheme (e.g. ``Basic``).
    """
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(401, "the Authorization header must be 'Bearer <key>'", headers=CHALLENGE)
        return token.strip()
    key = request.headers.get("x-api-key", "").strip()
    return key or None


async def require_owner(request: Request, keys: KeyStoreDep, _bearer: BearerDeclared = None,
                        _api_key: ApiKeyDeclared = None) -> str:
    """The owner of the request's API key.

    Raises:
        HTTPException: 401 when no key is sent, or the key is unknown or revoked.
    """
    token = read_credential(request)
    if token is None:
        raise HTTPException(401, MISSING_KEY, headers=CHALLENGE)
    owner = await run_in_threadpool(keys.authenticate, token)
    if owner is None:
        raise HTTPException(401, "the API key is not valid (unknown or revoked)", headers=CHALLENGE)
    return owner


async def require_admin(request: Request, settings: ApiSettingsDep, _bearer: BearerDeclared = None) -> None:
    """Let the request through only with the administrator token.

    Raises:
        HTTPException: 403 when no administrator token is configured; 401 when it is missing or wrong.
    """
    if not settings.admin_token:
        raise HTTPException(403, "key management over HTTP is disabled: RASD_ADMIN_TOKEN is not set on the "
                                 "server; create keys with `rasd keys create OWNER`")
    token = read_credential(request)
    if token is None:
        raise HTTPException(401, "the administrator token is required: send 'Authorization: Bearer <token>'",
                            headers=CHALLENGE)
    if not hmac.compare_digest(token.encode("utf-8"), settings.admin_token.encode("utf-8")):
        raise HTTPException(401, "the administrator token is not valid", headers=CHALLENGE)


OwnerDep = Annotated[str, Depends(require_owner)]
AdminDep = Annotated[None, Depends(require_admin)]
