"""``GET /search``: the reports archive, in Arabic or English, with filters and facets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.dependencies import SearchBackendDep
from api.models import ErrorResponse, SearchResponse
from api.queries import (MAX_PAGE, MAX_TERM_CHARS, MAX_TERMS, FilterValue, Interval, QueryParameterError,
                         SearchParams, SortOrder)

router = APIRouter(tags=["search"])

MAX_QUERY_CHARS = 1000


@router.get("/search", response_model=SearchResponse, summary="Search the reports",
            responses={422: {"model": ErrorResponse, "description": "A parameter is out of range."}})
async def search(
    backend: SearchBackendDep,
    q: Annotated[str | None, Query(max_length=MAX_QUERY_CHARS, description=(
        "Free text, Arabic or English, taken literally (no query syntax). Arabic is normalised and "
        "light-stemmed, so ادلب finds بإدلب; English is matched on title, text and actor/place names."))] = None,
    actor: Annotated[list[FilterValue], Query(max_length=MAX_TERMS,
                                              description="Actor id; repeat for any of several.")] = [],
    governorate: Annotated[list[FilterValue], Query(max_length=MAX_TERMS,
                                                    description="Governorate (English name); repeatable.")] = [],
    place: Annotated[str | None, Query(max_length=MAX_TERM_CHARS, description="Gazetteer place id.")] = None,
    event_type: Annotated[list[FilterValue], Query(max_length=MAX_TERMS,
                                                   description="Event type, e.g. shelling; repeatable.")] = [],
    since: Annotated[str | None, Query(description="Published on or after (ISO date or date-time).")] = None,
    until: Annotated[str | None, Query(description="Published on or before (a bare date includes its day).")] = None,
    min_escalation: Annotated[float | None, Query(ge=0.0, le=1.0, description="Lowest escalation score.")] = None,
    sort: Annotated[SortOrder, Query(description="relevance (default) or time (newest first).")] = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    interval: Annotated[Interval, Query(description=(
        "Width of the date facet's buckets; auto picks the finest giving at most 60."))] = "auto",
) -> SearchResponse:
    params = SearchParams(q=q, actors=tuple(actor), governorates=tuple(governorate), place=place,
                          event_types=tuple(event_type), since=since, until=until, min_escalation=min_escalation,
                          sort=sort, page=page, size=size, interval=interval)
    try:
        return await backend.search(params)
    except QueryParameterError as exc:
        raise HTTPException(422, str(exc)) from None
