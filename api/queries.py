"""Where API parameters become Elasticsearch request bodies: pure functions, no client.

Free text is only ever passed to ``match``, ``match_phrase``, ``multi_match`` and
``term`` queries, which do not parse query syntax: ``title:"x" OR *`` is searched as
the words it holds, never interpreted. Arabic text is brought to the indexed search
form with :func:`rasd.search.search_form` and matched on ``text_search``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import StringConstraints

from rasd.search import search_form

SortOrder = Literal["relevance", "time"]
Interval = Literal["auto", "hour", "day", "week", "month", "year"]

MAX_RESULT_WINDOW = 10_000  # Elasticsearch's default index.max_result_window
MAX_PAGE = MAX_RESULT_WINDOW  # even at size 1, a later page is past the window
MAX_TERM_CHARS = 200  # an id or label; Elasticsearch refuses a keyword term over 32,766 bytes with a 400
MAX_TERMS = 50  # values of one repeatable filter
FACET_SIZE = 20
DATE_BUCKETS = 60
CALENDAR_INTERVALS_MS = (("hour", 3_600_000), ("day", 86_400_000), ("week", 7 * 86_400_000),
                         ("month", 31 * 86_400_000), ("year", 366 * 86_400_000))
SEARCH_SOURCE_EXCLUDES = ("text_search", "text_normalized", "analysis", "entities")

_ARABIC_LETTER_RE = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06fc\u0750-\u077f]")
_TERMS_FACETS = {"actors": "actor_ids", "governorates": "governorates", "event_types": "event_types",
                 "sources": "sources"}


# One value of a keyword filter (actor id, governorate, place id, signal key …) as a query parameter.
FilterValue = Annotated[str, StringConstraints(max_length=MAX_TERM_CHARS)]


class QueryParameterError(ValueError):
    """A query parameter has a value Elasticsearch would refuse (bad date, page too deep)."""


@dataclass(frozen=True)
class SearchParams:
    """The parameters of ``GET /search`` after HTTP validation.

    Repeated values of one filter are alternatives (any of them); different filters all apply.
    """

    q: str | None = None
    actors: tuple[str, ...] = ()
    governorates: tuple[str, ...] = ()
    place: str | None = None
    event_types: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    min_escalation: float | None = None
    sort: SortOrder = "relevance"
    page: int = 1
    size: int = 20
    interval: Interval = "auto"


@dataclass(frozen=True)
class SignalParams:
    """The parameters of ``GET /signals``."""

    keys: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    since: str | None = None
    page: int = 1
    size: int = 50


@dataclass(frozen=True)
class AlertParams:
    """The parameters of ``GET /alerts`` besides the owner (any-of filters; none when empty)."""

    subscription_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    since: str | None = None
    page: int = 1
    size: int = 50


@dataclass(frozen=True)
class TextQuery:
    """How a free-text query is searched.

    Attributes:
        original: the query as typed.
        form: the light-stemmed search form (what ``text_search`` holds).
        script: ``arabic`` when it holds Arabic letters, else ``latin``.
        terms: the distinct stems, used to locate matches in the original text.
    """

    original: str
    form: str
    script: Literal["arabic", "latin"]
    terms: tuple[str, ...] = field(default=())


def has_arabic(text: str) -> bool:
    """Whether a text holds at least one Arabic letter.

    Args:
        text: any text, e.g. ``"ادلب"`` or ``"Idlib"``.

    Returns:
        True for ``"ادلب"``, False for ``"Idlib"``.
    """
    return _ARABIC_LETTER_RE.search(text) is not None


def prepare_text_query(q: str) -> TextQuery:
    """Analyse a free-text query once, as the indexer analysed the reports.

    Args:
        q: the query, e.g. ``"تحرير الشام"``.

    Returns:
        e.g. ``TextQuery("تحرير الشام", "تحرير شام", "arabic", ("تحرير", "شام"))``.
    """
    form = search_form(q)
    terms = tuple(dict.fromkeys(form.split()))
    return TextQuery(q, form, "arabic" if has_arabic(q) else "latin", terms)


def build_text_clause(query: TextQuery) -> dict[str, Any]:
    """The scoring clause of a free-text query.

    Arabic is matched on ``text_search`` in its stemmed form (every word required, the
    exact phrase ranked higher). Other scripts are matched on ``title`` and ``text``,
    and exactly (case-insensitively) on the English names of actors and places.

    Args:
        query: the prepared query, e.g. for ``"تحرير الشام"``.

    Returns:
        An Elasticsearch ``bool`` query.
    """
    if query.script == "arabic":
        return {"bool": {
            "must": [{"match": {"text_search": {"query": query.form, "operator": "and"}}}],
            "should": [{"match_phrase": {"text_search": {"query": query.form, "boost": 2.0}}}],
        }}
    phrase = " ".join(query.original.split())
    return {"bool": {
        "should": [
            {"multi_match": {"query": phrase, "fields": ["title^2", "text"], "operator": "and"}},
            {"match_phrase": {"text": {"query": phrase, "boost": 2.0}}},
            {"term": {"actor_names_en": {"value": phrase, "case_insensitive": True, "boost": 3.0}}},
            {"term": {"place_names_en": {"value": phrase, "case_insensitive": True, "boost": 3.0}}},
        ],
        "minimum_should_match": 1,
    }}


def parse_date_bound(value: str, *, upper: bool) -> str:
    """Check an ISO date or date-time and give its Elasticsearch range bound.

    The bound is written anew from the parsed value, never passed through as typed: Python
    reads forms Elasticsearch does not (``2018-W34-1``, ``2018-08-20 12:00``) or reads
    differently (``20180820`` would be epoch milliseconds there).

    Args:
        value: e.g. ``"2018-08-20"``, ``"20180820"`` or ``"2018-08-20T15:00:00+03:00"``.
        upper: True for ``until``: a bare date then includes its whole day.

    Returns:
        The bound, e.g. ``"2018-08-20||/d"`` for an upper bare date, ``"2018-08-20T12:00:00+00:00"``
        for a date-time with an offset (moved to UTC), ``"2018-08-20T12:00:00"`` for one without
        (read as UTC by Elasticsearch).

    Raises:
        QueryParameterError: not an ISO date, or a time that moved to UTC leaves the years 1–9999.
    """
    text = value.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return f"{day.isoformat()}||/d" if upper else day.isoformat()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise QueryParameterError(f"{value!r} is not an ISO date (YYYY-MM-DD) or date-time") from exc
    return moment.isoformat()


def build_range_filter(field_name: str, since: str | None, until: str | None) -> dict[str, Any] | None:
    """A ``range`` filter on a date field, or None when both bounds are absent."""
    bounds: dict[str, str] = {}
    if since:
        bounds["gte"] = parse_date_bound(since, upper=False)
    if until:
        bounds["lte"] = parse_date_bound(until, upper=True)
    return {"range": {field_name: bounds}} if bounds else None


def build_filters(params: SearchParams) -> list[dict[str, Any]]:
    """The non-scoring filters of a search, one per given parameter."""
    filters: list[dict[str, Any]] = []
    for field_name, values in (("actor_ids", params.actors), ("governorates", params.governorates),
                               ("event_types", params.event_types)):
        if values:
            filters.append({"terms": {field_name: list(values)}})
    if params.place:
        filters.append({"term": {"place_ids": params.place}})
    published = build_range_filter("published_at", params.since, params.until)
    if published:
        filters.append(published)
    if params.min_escalation is not None:
        filters.append({"range": {"escalation_score": {"gte": params.min_escalation}}})
    return filters


def check_page(page: int, size: int) -> int:
    """The ``from`` offset of a page, refused beyond Elasticsearch's result window.

    Raises:
        QueryParameterError: ``page * size`` exceeds 10,000.
    """
    offset = (page - 1) * size
    if offset + size > MAX_RESULT_WINDOW:
        raise QueryParameterError(f"page {page} of size {size} is beyond the first {MAX_RESULT_WINDOW} results; "
                                  "narrow the search with filters instead")
    return offset


def choose_interval(first_ms: float | None, last_ms: float | None, *, buckets: int = DATE_BUCKETS) -> str:
    """The finest calendar interval that splits a time span into at most ``buckets`` buckets.

    Args:
        first_ms: the earliest ``published_at`` (epoch milliseconds), None when nothing matched.
        last_ms: the latest one.

    Returns:
        ``hour``, ``day``, ``week``, ``month`` or ``year``; ``day`` when the span is unknown.
    """
    if first_ms is None or last_ms is None:
        return "day"
    span = max(0.0, last_ms - first_ms)
    for name, width in CALENDAR_INTERVALS_MS:
        if span / width < buckets:
            return name
    return "year"


def build_query(params: SearchParams, query: TextQuery | None) -> dict[str, Any]:
    """The query of a search: the free text (scoring) within the filters (not scoring).

    Without ``q`` every report matches; a ``q`` without any word (``"*"``) matches none.

    Raises:
        QueryParameterError: a date bound is not an ISO date.
    """
    if query is None:
        must: list[dict[str, Any]] = [{"match_all": {}}]
    elif query.terms:
        must = [build_text_clause(query)]
    else:  # only punctuation, e.g. "*" or "(((": taken literally, it holds no word to find
        must = [{"match_none": {}}]
    return {"bool": {"must": must, "filter": build_filters(params)}}


def build_bounds_body(params: SearchParams, query: TextQuery | None) -> dict[str, Any]:
    """A count-free request for the first and last ``published_at`` of the matching reports.

    Used to size the date facet when ``interval=auto`` (``auto_date_histogram`` lives in a
    module not every cluster has).
    """
    return {
        "query": build_query(params, query),
        "size": 0,
        "aggs": {"first": {"min": {"field": "published_at"}}, "last": {"max": {"field": "published_at"}}},
    }


def build_search_body(params: SearchParams, query: TextQuery | None = None, *, interval: str = "day") -> dict[str, Any]:
    """The body of the reports search request.

    Args:
        params: validated parameters.
        query: the prepared free text (None when ``q`` is empty).
        interval: the calendar interval of the date facet (resolved when ``params.interval`` is auto).

    Returns:
        Keyword arguments for ``AsyncElasticsearch.search``: query, sort, paging, facets.

    Raises:
        QueryParameterError: a date or the page is out of range.
    """
    offset = check_page(params.page, params.size)
    if params.sort == "time" or not (query and query.terms):
        sort: list[Any] = [{"published_at": {"order": "desc", "missing": "_last"}}, {"_score": "desc"}]
    else:
        sort = [{"_score": "desc"}, {"published_at": {"order": "desc", "missing": "_last"}}]
    aggs: dict[str, Any] = {name: {"terms": {"field": f, "size": FACET_SIZE}} for name, f in _TERMS_FACETS.items()}
    aggs["published_at"] = {"date_histogram": {"field": "published_at", "calendar_interval": interval,
                                               "min_doc_count": 1}}
    return {
        "query": build_query(params, query),
        "sort": sort,
        "from_": offset,
        "size": params.size,
        "track_total_hits": True,
        "track_scores": True,
        "source_excludes": list(SEARCH_SOURCE_EXCLUDES),
        "aggs": aggs,
    }


def build_signals_body(params: SignalParams) -> dict[str, Any]:
    """The body of the signals listing: filters on key and level, newest window first.

    Raises:
        QueryParameterError: ``since`` is not an ISO date, or the page is out of range.
    """
    offset = check_page(params.page, params.size)
    filters: list[dict[str, Any]] = []
    if params.keys:
        filters.append({"terms": {"key": list(params.keys)}})
    if params.levels:
        filters.append({"terms": {"level": list(params.levels)}})
    window = build_range_filter("window_end", params.since, None)
    if window:
        filters.append(window)
    return {
        "query": {"bool": {"filter": filters}},
        "sort": [{"window_end": {"order": "desc", "missing": "_last"}}],
        "from_": offset,
        "size": params.size,
        "track_total_hits": True,
    }


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
    for field_name, values in (("subscription_id", subscription_ids), ("kind", kinds), ("severity", severities)):
        if values:
            filters.append({"terms": {field_name: list(values)}})
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
