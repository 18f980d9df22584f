"""``GET /search``: the reports archive, in Arabic or English, with filters and facets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from api.dependencies import ElasticsearchDep, SettingsDep
from api.models import (DateBucket, ErrorResponse, FacetBucket, Facets, QueryInfo, SearchHit, SearchResponse,
                        SnippetOut)
from api.queries import (MAX_PAGE, MAX_TERM_CHARS, MAX_TERMS, FilterValue, Interval, QueryParameterError,
                         SearchParams, SortOrder, TextQuery, build_bounds_body, build_search_body, choose_interval,
                         prepare_text_query)
from api.snippets import find_term_spans, make_snippets

router = APIRouter(tags=["search"])

MAX_QUERY_CHARS = 1000
_TERMS_FACETS = ("actors", "governorates", "event_types", "sources")


def shape_hit(hit: dict[str, Any], query: TextQuery | None) -> SearchHit:
    """One search hit with snippets of its text and the matches in its title."""
    source = hit.get("_source") or {}
    terms = frozenset(query.terms) if query else frozenset()
    text = source.get("text") or ""
    title = source.get("title") or ""
    snippets = [SnippetOut(text=s.text, highlights=list(s.highlights), html=s.to_html())
                for s in make_snippets(text, find_term_spans(text, terms))]
    return SearchHit.model_validate({**source, "id": hit["_id"], "score": hit.get("_score"),
                                     "title_highlights": find_term_spans(title, terms), "snippets": snippets})


def shape_facets(aggregations: dict[str, Any], interval: str | None = None) -> Facets:
    """Facets from the aggregations (all empty when the index does not exist yet)."""
    values: dict[str, Any] = {
        name: [FacetBucket(value=str(b["key"]), count=b["doc_count"])
               for b in aggregations.get(name, {}).get("buckets", [])]
        for name in _TERMS_FACETS
    }
    dates = aggregations.get("published_at", {})
    values["published_at"] = [DateBucket(date=b.get("key_as_string", str(b["key"])), count=b["doc_count"])
                              for b in dates.get("buckets", [])]
    values["published_at_interval"] = interval
    return Facets(**values)


def shape_search_response(raw: dict[str, Any], params: SearchParams, query: TextQuery | None,
                          interval: str | None = None) -> SearchResponse:
    """The API answer from an Elasticsearch search response."""
    hits = raw.get("hits", {})
    total = hits.get("total", {"value": 0, "relation": "eq"})
    return SearchResponse(
        total=total["value"], total_is_exact=total.get("relation", "eq") == "eq",
        page=params.page, size=params.size,
        query=QueryInfo(q=params.q, search_form=query.form if query else None, script=query.script if query else None),
        hits=[shape_hit(h, query) for h in hits.get("hits", [])],
        facets=shape_facets(raw.get("aggregations") or {}, interval),
    )


@router.get("/search", response_model=SearchResponse, summary="Search the reports",
            responses={422: {"model": ErrorResponse, "description": "A parameter is out of range."}})
async def search(
    settings: SettingsDep,
    client: ElasticsearchDep,
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
    query = prepare_text_query(q) if q and q.strip() else None
    index = {"index": settings.indices.reports, "ignore_unavailable": True, "allow_no_indices": True}
    try:
        resolved = interval
        if interval == "auto":
            bounds = (await client.search(**index, **build_bounds_body(params, query))).body.get("aggregations") or {}
            resolved = choose_interval((bounds.get("first") or {}).get("value"), (bounds.get("last") or {}).get("value"))
        body = build_search_body(params, query, interval=resolved)
    except QueryParameterError as exc:
        raise HTTPException(422, str(exc)) from None
    raw = await client.search(**index, **body)
    return shape_search_response(raw.body, params, query, resolved)
