"""``/alerts``: the key owner's alerts — indexed ones (``GET /alerts``) and live ones (``GET /alerts/stream``).

The stream is server-sent events: ``event: alert`` (or ``digest``), ``id:`` the alert id, ``data:``
the alert JSON. A client that reconnects with ``Last-Event-ID`` gets the alerts it missed while
they are still in the process's replay buffer. Browsers' ``EventSource`` cannot send headers:
use a fetch-based SSE client with ``Authorization: Bearer <key>``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from api.auth import OwnerDep
from api.dependencies import SearchBackendDep, StreamingDep
from api.models import ErrorResponse
from api.queries import build_alerts_body  # noqa: F401 (its home was here)
from api.queries import MAX_PAGE, MAX_TERMS, AlertParams, FilterValue, QueryParameterError
from api.state import AlertFeedDep, ApiSettingsDep, BroadcasterDep
from api.subscription_models import AlertList

router = APIRouter(prefix="/alerts", tags=["alerts"])

_AUTH = {401: {"model": ErrorResponse, "description": "No API key, or not a valid one."}}
SubscriptionFilter = Annotated[list[FilterValue], Query(alias="subscription", max_length=MAX_TERMS,
                                                        description="Subscription id; repeatable.")]


@router.get("", response_model=AlertList, summary="The owner's alerts, newest first",
            description="Empty before any alert was indexed.",
            responses={**_AUTH, 422: {"model": ErrorResponse, "description": "A parameter is out of range."}})
async def list_alerts(
    owner: OwnerDep,
    backend: SearchBackendDep,
    subscription: SubscriptionFilter = [],
    kind: Annotated[list[FilterValue], Query(max_length=MAX_TERMS, description="report or signal; repeatable.")] = [],
    severity: Annotated[list[FilterValue], Query(max_length=MAX_TERMS,
                                                 description="low, medium or high; repeatable.")] = [],
    since: Annotated[str | None, Query(description="Created on or after (ISO date or date-time).")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 50,
) -> AlertList:
    params = AlertParams(subscription_ids=tuple(subscription), kinds=tuple(kind), severities=tuple(severity),
                         since=since, page=page, size=size)
    try:
        return await backend.list_alerts(owner, params)
    except QueryParameterError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/stream", summary="Live alerts of the owner (server-sent events)",
            response_class=StreamingResponse, dependencies=[StreamingDep],
            responses={**_AUTH, 200: {"content": {"text/event-stream": {}}, "description": "The event stream."},
                       503: {"model": ErrorResponse, "description": (
                           "Kafka cannot be reached, or the API serves the embedded database (no Kafka).")}})
async def stream_alerts(request: Request, owner: OwnerDep, feed: AlertFeedDep, broadcaster: BroadcasterDep,
                        settings: ApiSettingsDep, subscription: SubscriptionFilter = []) -> StreamingResponse:
    if not await feed.ensure_running(settings.alert_stream_ready_seconds):
        raise HTTPException(503, f"live alerts are unavailable: the alerts topic cannot be read "
                                 f"({feed.error() or 'Kafka did not answer in time'}); try again shortly")
    events = broadcaster.stream(owner, request.headers.get("last-event-id"), subscription or None)
    return StreamingResponse(events, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
