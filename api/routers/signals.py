"""``GET /signals``: escalation signals, newest window first (empty before any was indexed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.dependencies import SearchBackendDep
from api.models import ErrorResponse, SignalList
from api.queries import MAX_PAGE, MAX_TERMS, FilterValue, QueryParameterError, SignalParams

router = APIRouter(tags=["signals"])


@router.get("/signals", response_model=SignalList, summary="List escalation signals",
            responses={422: {"model": ErrorResponse, "description": "A parameter is out of range."}})
async def list_signals(
    backend: SearchBackendDep,
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
        return await backend.list_signals(params)
    except QueryParameterError as exc:
        raise HTTPException(422, str(exc)) from None
