"""``/alerts``: the key owner's alerts — indexed ones (``GET /alerts``) and live ones (``GET /alerts/stream``).

The stream is server-sent events: ``event: alert`` (or ``digest``), ``id:`` the alert id, ``data:``
the alert JSON. A client that reconnects with ``Last-Event-ID`` gets the alerts it missed while
they are still in the process's replay buffer. Browsers' ``EventSource`` cannot send headers:
use a fetch-based SSE client with ``Authorization: Bearer <key>``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from api.auth import OwnerDep
from api.dependencies import ElasticsearchDep, SettingsDep
from api.models import ErrorResponse
from api.queries import MAX_PAGE, MAX_TERMS, FilterValue, QueryParameterError, build_range_filter, check_page
from api.state import AlertFeedDep, ApiSettingsDep, BroadcasterDep
from api.subscription_models import AlertList, AlertOut

router = APIRouter(prefix="/alerts", tags=["alerts"])

_AUTH = {401: {"model": ErrorResponse, "description": "No API key, or not a valid one."}}
SubscriptionFilter = Annotated[list[FilterValue], Query(alias="subscription", max_length=MAX_TERMS,
                                                        description="Subscription id; repeatable.")]


def build_alerts_body(owner: str, *, subscription_ids: tuple[str, ...] = (), kinds: tuple[str, ...] = (),
                      severities: tuple[str, ...] = (), since: str | None = None, page: int = 1,
                      size: int = 50) -> dict[str, Any]:
    """The search body of one owner's alerts, newest first.

    Args:
        owner: the key's owner; always a filter, whatever else is asked.
        subscription_ids, kinds, severities: any-of filters (none when empty).
        since: alerts created on or after this ISO date or time.

    Raises:
        QueryParameterError: ``since`` is not an ISO date, or the page is out of range.
    """
    offset = check_page(page, size)
    filters: list[dict[str, Any]] = [{"term": {"owner": owner}}]
    for field, values in (("subscription_id", subscription_ids), ("kind", kinds), ("severity", severities)):
        if values:
            filters.append({"terms": {field: list(values)}})
    created = build_range_filter("created_at", since, None)
    if created:
        filters.append(created)
    return {
        "query": {"bool": {"filter": filters}},
        "sort": [{"created_at": {"order": "desc", "missing": "_last"}}, {"id": {"order": "desc"}}],
        "from_": offset,
        "size": size,
        "track_total_hits": True,
    }


@router.get("", response_model=AlertList, summary="The owner's alerts, newest first",
            description="Empty before any alert was indexed.",
            responses={**_AUTH, 422: {"model": ErrorResponse, "description": "A parameter is out of range."}})
async def list_alerts(
    owner: OwnerDep,
    settings: SettingsDep,
    client: ElasticsearchDep,
    subscription: SubscriptionFilter = [],
    kind: Annotated[list[FilterValue], Query(max_length=MAX_TERMS, description="report or signal; repeatable.")] = [],
    severity: Annotated[list[FilterValue], Query(max_length=MAX_TERMS,
                                                 description="low, medium or high; repeatable.")] = [],
    since: Annotated[str | None, Query(description="Created on or after (ISO date or date-time).")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 50,
) -> AlertList:
    try:
        body = build_alerts_body(owner, subscription_ids=tuple(subscription), kinds=tuple(kind),
                                 severities=tuple(severity), since=since, page=page, size=size)
    except QueryParameterError as exc:
        raise HTTPException(422, str(exc)) from None
    raw = await client.search(index=settings.indices.alerts, ignore_unavailable=True, allow_no_indices=True, **body)
    hits = raw.body.get("hits", {})
    alerts = [AlertOut.model_validate({**h["_source"], "id": h["_id"]}) for h in hits.get("hits", [])]
    return AlertList(total=hits.get("total", {}).get("value", 0), page=page, size=size, alerts=alerts)


@router.get("/stream", summary="Live alerts of the owner (server-sent events)",
            response_class=StreamingResponse,
            responses={**_AUTH, 200: {"content": {"text/event-stream": {}}, "description": "The event stream."},
                       503: {"model": ErrorResponse, "description": "Kafka cannot be reached."}})
async def stream_alerts(request: Request, owner: OwnerDep, feed: AlertFeedDep, broadcaster: BroadcasterDep,
                        settings: ApiSettingsDep, subscription: SubscriptionFilter = []) -> StreamingResponse:
    if not await feed.ensure_running(settings.alert_stream_ready_seconds):
        raise HTTPException(503, f"live alerts are unavailable: the alerts topic cannot be read "
                                 f"({feed.error() or 'Kafka did not answer in time'}); try again shortly")
    events = broadcaster.stream(owner, request.headers.get("last-event-id"), subscription or None)
    return StreamingResponse(events, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
