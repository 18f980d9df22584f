"""``GET /health``: is the API up, and can it read its backend (Elasticsearch, or the embedded SQLite file)?

The answer is 200 even when the backend cannot be read (``status: degraded``): the API process
itself is healthy and restarting it would not help.
"""

from __future__ import annotations

from fastapi import APIRouter

import rasd
from api.dependencies import SearchBackendDep, SettingsDep
from api.models import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, summary="Health of the API and its backend")
async def health(settings: SettingsDep, backend: SearchBackendDep) -> Health:
    part = await backend.health()
    return Health(status="ok" if part.reachable else "degraded", version=rasd.__version__,
                  namespace=settings.namespace, backend=backend.name, **{backend.name: part})
