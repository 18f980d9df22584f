"""``GET /signals``: escalation signals, newest window first (empty before any was indexed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.dependencies import ElasticsearchDep, SettingsDep
from api.models import ErrorResponse, SignalList, SignalOut
from api.queries import MAX_PAGE, MAX_TERMS, FilterValue, QueryParameterError, SignalParams, build_signals_body

router = APIRouter(tags=["signals"])


@router.get("/signals", response_model=SignalList, summary="List escalation signals",
            responses={422: {"model": ErrorResponse, "description": "A parameter is out of range."}})
async def list_signals(
    settings: SettingsDep,
    client: ElasticsearchDep,
    key: Annotated[list[FilterValue], Query(max_length=MAX_TERMS, description=(
        "Signal key (governorate or actor pair); repeatable."))] = [],
    level: Annotated[list[FilterValue], Query(max_length=MAX_TERMS,
                                              description="Signal level, e.g. high; repeatable.")] = [],
    since: Annotated[str | None, Query(description="Windows ending on or after (ISO date or date-time).")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 50,
) -> SignalList:
    params = SignalParams(keys=tuple(key), levels=tuple(level), since=since, page=page, size=size)
    try:
        body = build_signals_body(params)
    except QueryParameterError as exc:
        raise HTTPException(422, str(exc)) from None
    raw = await client.search(index=settings.indices.signals, ignore_unavailable=True, allow_no_indices=True, **body)
    hits = raw.body.get("hits", {})
    signals = [SignalOut.model_validate({**h["_source"], "id": h["_id"]}) for h in hits.get("hits", [])]
    return SignalList(total=hits.get("total", {}).get("value", 0), page=page, size=size, signals=signals)
