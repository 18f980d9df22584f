import pytest

from api.queries import (MAX_RESULT_WINDOW, QueryParameterError, SearchParams, SignalParams, build_bounds_body,
                         build_search_body, build_signals_body, build_text_clause, check_page, choose_interval,
                         has_arabic, parse_date_bound, prepare_text_query)
from rasd.search import search_form

SYNTAX_QUERIES = ("query_string", "simple_query_string", "wildcard", "regexp", "prefix", "fuzzy")


def _keys(value) -> set[str]:
    """Every key of a nested body, to prove no syntax-parsing query was built."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_arabic_query_is_matched_on_text_search_in_its_stemmed_form():
    query = prepare_text_query("تحرير الشام")
    assert query.script == "arabic"
    assert query.form == search_form("تحرير الشام") == "تحرير شام"
    clause = build_text_clause(query)
    assert clause["bool"]["must"] == [{"match": {"text_search": {"query": "تحرير شام", "operator": "and"}}}]
    assert clause["bool"]["should"][0]["match_phrase"]["text_search"]["query"] == "تحرير شام"


def test_arabic_query_with_clitics_and_hamza_reaches_the_bare_stem():
    assert prepare_text_query("بإدلب").form == "ادلب"
    assert prepare_text_query("وهيئة تحرير الشام").terms == (search_form("هيئة"), "تحرير", "شام")


def test_lucene_syntax_is_passed_as_plain_text():
    q = 'title:"x" OR *'
    query = prepare_text_query(q)
    body = build_search_body(SearchParams(q=q), query)
    assert not _keys(body) & set(SYNTAX_QUERIES)
    should = body["query"]["bool"]["must"][0]["bool"]["should"]
    assert should[0] == {"multi_match": {"query": q, "fields": ["title^2", "text"], "operator": "and"}}
    assert {"term": {"actor_names_en": {"value": q, "case_insensitive": True, "boost": 3.0}}} in should


def test_arabic_query_full_of_special_characters_is_only_matched():
    q = 'ادلب AND (title:* OR "x\\") {!} [1 TO *]'
    body = build_search_body(SearchParams(q=q), prepare_text_query(q))
    assert not _keys(body) & set(SYNTAX_QUERIES)
    assert body["query"]["bool"]["must"][0]["bool"]["must"][0]["match"]["text_search"]["query"] == search_form(q)


def test_english_query_also_matches_actor_and_place_names_exactly():
    should = build_text_clause(prepare_text_query("Idlib"))["bool"]["should"]
    fields = {next(iter(c[kind])) for c in should for kind in c if kind == "term"}
    assert fields == {"actor_names_en", "place_names_en"}


def test_no_query_matches_everything_within_filters():
    body = build_search_body(SearchParams(governorates=("Idlib",)))
    assert body["query"]["bool"]["must"] == [{"match_all": {}}]
    assert body["query"]["bool"]["filter"] == [{"terms": {"governorates": ["Idlib"]}}]


def test_punctuation_only_query_is_literal_and_matches_nothing():
    for q in ("*", "*:*", "(((", "&& || !"):
        assert build_search_body(SearchParams(q=q), prepare_text_query(q))["query"]["bool"]["must"] == [
            {"match_none": {}}], q


def test_every_filter_becomes_one_clause():
    params = SearchParams(actors=("hts", "tip"), governorates=("Idlib", "Latakia"), place="SY0703",
                          event_types=("shelling",), since="2018-08-01", until="2018-08-31", min_escalation=0.5)
    filters = build_search_body(params)["query"]["bool"]["filter"]
    assert {"terms": {"actor_ids": ["hts", "tip"]}} in filters
    assert {"terms": {"governorates": ["Idlib", "Latakia"]}} in filters
    assert {"term": {"place_ids": "SY0703"}} in filters
    assert {"terms": {"event_types": ["shelling"]}} in filters
    assert {"range": {"published_at": {"gte": "2018-08-01", "lte": "2018-08-31||/d"}}} in filters
    assert {"range": {"escalation_score": {"gte": 0.5}}} in filters
    assert len(filters) == 6


def test_date_bounds_accept_dates_and_date_times_and_refuse_the_rest():
    assert parse_date_bound("2018-08-20", upper=False) == "2018-08-20"
    assert parse_date_bound("2018-08-20", upper=True) == "2018-08-20||/d"
    assert parse_date_bound("2018-08-20T12:00:00Z", upper=True) == "2018-08-20T12:00:00+00:00"
    for bad in ("yesterday", "2018-13-01", "now-1d", "20/08/2018"):
        with pytest.raises(QueryParameterError):
            parse_date_bound(bad, upper=False)


@pytest.mark.parametrize("typed, bound", [
    ("20180820", "2018-08-20"),                       # not epoch milliseconds, as Elasticsearch would read it
    ("2018-W34-1", "2018-08-20"),                     # ISO week date
    ("2018-08-20 12:00", "2018-08-20T12:00:00"),      # space instead of T
    ("20180820T1200", "2018-08-20T12:00:00"),
    ("2018-08-20T15:00:00+03:00", "2018-08-20T12:00:00+00:00"),
    ("2018-08-20T12:00:00.5Z", "2018-08-20T12:00:00.500000+00:00"),
])
def test_date_bounds_are_written_in_the_form_elasticsearch_reads(typed, bound):
    assert parse_date_bound(typed, upper=False) == bound


@pytest.mark.parametrize("edge", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_date_times_that_leave_the_calendar_in_utc_are_refused_not_crashed(edge):
    with pytest.raises(QueryParameterError):
        parse_date_bound(edge, upper=False)


def test_sort_by_time_or_by_relevance():
    query = prepare_text_query("ادلب")
    assert next(iter(build_search_body(SearchParams(q="ادلب", sort="time"), query)["sort"][0])) == "published_at"
    assert build_search_body(SearchParams(q="ادلب"), query)["sort"][0] == {"_score": "desc"}
    assert next(iter(build_search_body(SearchParams())["sort"][0])) == "published_at"  # no text: newest first


def test_paging_and_the_result_window():
    body = build_search_body(SearchParams(page=3, size=20))
    assert (body["from_"], body["size"]) == (40, 20)
    assert check_page(MAX_RESULT_WINDOW // 100, 100) == MAX_RESULT_WINDOW - 100
    with pytest.raises(QueryParameterError):
        check_page(MAX_RESULT_WINDOW // 100 + 1, 100)


def test_facets_cover_actors_governorates_event_types_sources_and_dates():
    aggs = build_search_body(SearchParams(), interval="week")["aggs"]
    assert {name: a["terms"]["field"] for name, a in aggs.items() if "terms" in a} == {
        "actors": "actor_ids", "governorates": "governorates", "event_types": "event_types", "sources": "sources"}
    assert aggs["published_at"]["date_histogram"] == {"field": "published_at", "calendar_interval": "week",
                                                      "min_doc_count": 1}


def test_bounds_request_shares_the_query_and_counts_nothing():
    params = SearchParams(q="ادلب", governorates=("Idlib",))
    query = prepare_text_query("ادلب")
    bounds = build_bounds_body(params, query)
    assert bounds["query"] == build_search_body(params, query)["query"]
    assert bounds["size"] == 0 and set(bounds["aggs"]) == {"first", "last"}


@pytest.mark.parametrize("span_ms, interval", [
    (0, "hour"), (3_600_000 * 59, "hour"), (3_600_000 * 61, "day"), (86_400_000 * 90, "week"),
    (86_400_000 * 800, "month"), (86_400_000 * 366 * 70, "year"),
])
def test_auto_interval_keeps_the_date_facet_under_sixty_buckets(span_ms, interval):
    assert choose_interval(1_500_000_000_000, 1_500_000_000_000 + span_ms) == interval


def test_auto_interval_without_matches_is_a_day():
    assert choose_interval(None, None) == "day"


def test_signals_body_filters_key_level_and_window_end():
    body = build_signals_body(SignalParams(keys=("Idlib",), levels=("high",), since="2024-01-01", size=10))
    assert body["query"]["bool"]["filter"] == [
        {"terms": {"key": ["Idlib"]}}, {"terms": {"level": ["high"]}},
        {"range": {"window_end": {"gte": "2024-01-01"}}}]
    assert body["sort"][0] == {"window_end": {"order": "desc", "missing": "_last"}}
    with pytest.raises(QueryParameterError):
        build_signals_body(SignalParams(since="last week"))


def test_has_arabic():
    assert has_arabic("قصف على ادلب") and has_arabic("HTS في ادلب")
    assert not has_arabic("Idlib shelling") and not has_arabic("2018")
