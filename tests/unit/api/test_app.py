"""The API through FastAPI's TestClient, with fake Elasticsearch and Kafka (no server needed)."""

import json

import pytest

from fastapi.testclient import TestClient

from api.app import create_app
from api.ingest import MAX_BATCH_BYTES
from producers.exceptions import ProducerError
from rasd.schema import MAX_REPORT_BYTES
from rasd.search import search_form
from tests.unit.api.conftest import FakePublishers

REPORT = {"id": "r1", "text": "قصفت قوات النظام بلدات في ريف إدلب الجنوبي", "source": "SOHR",
          "published_at": "2018-08-20T12:00:00+00:00"}


def _post(client, payload, **kwargs):
    return client.post("/reports", content=json.dumps(payload, ensure_ascii=False).encode(), **kwargs)


# --- POST /reports ----------------------------------------------------------------------------

def test_single_report_is_accepted_and_sent_keyed_by_its_id(client, publishers):
    response = _post(client, REPORT)
    assert response.status_code == 202
    assert response.json() == {"accepted": ["r1"], "refused": [], "warnings": []}
    ((key, value),) = publishers.sink.reports
    assert key == b"r1" and json.loads(value)["text"] == REPORT["text"]


def test_batch_accepts_the_valid_reports_and_names_the_refused_ones(client, publishers):
    batch = {"reports": [REPORT, {"id": "r2"}, {"text": "اشتباكات في ريف حماة"}, "not an object"]}
    response = _post(client, batch)
    assert response.status_code == 202
    body = response.json()
    assert body["accepted"][0] == "r1" and len(body["accepted"]) == 2
    assert body["accepted"][1].startswith("r-")  # id derived from the text
    assert [(r["index"], r["code"]) for r in body["refused"]] == [(1, "missing_text"), (3, "not_an_object")]
    assert len(publishers.sink.dead_letters) == 2


def test_nothing_accepted_is_422_with_the_reasons(client, publishers):
    response = _post(client, {"id": "r9", "text": "   "})
    assert response.status_code == 422
    body = response.json()
    assert "empty_text" in body["detail"] and body["refused"][0]["code"] == "empty_text"
    assert publishers.sink.reports == []


def test_malformed_json_is_422_with_a_clear_detail(client, publishers):
    response = client.post("/reports", content=b'{"text": "x"', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("request body is not valid JSON")
    assert publishers.sink.reports == [] and publishers.sink.dead_letters == []


def test_a_json_array_is_refused_with_the_expected_shape(client):
    response = _post(client, [REPORT])
    assert response.status_code == 422 and '{"reports": [...]}' in response.json()["detail"]


def test_single_report_over_one_megabyte_is_413(client, publishers):
    response = _post(client, {"text": "ا" * (MAX_REPORT_BYTES // 2 + 1)})
    assert response.status_code == 413 and "limit" in response.json()["detail"]
    assert publishers.sink.reports == []


def test_batch_over_ten_megabytes_is_413(client):
    reports = [{"text": "x" * 900_000} for _ in range(12)]
    response = _post(client, {"reports": reports})
    assert len(json.dumps({"reports": reports})) > MAX_BATCH_BYTES
    assert response.status_code == 413


def test_large_report_inside_a_batch_is_refused_alone(client):
    response = _post(client, {"reports": [REPORT, {"text": "x" * (MAX_REPORT_BYTES + 1)}]})
    assert response.status_code == 202
    assert response.json()["refused"] == [{"index": 1, "code": "too_large", "message": response.json()["refused"][0]["message"]}]


def test_kafka_unreachable_is_503(settings, fake_es):
    from api.dependencies import get_elasticsearch, get_publishers

    app = create_app(settings)
    down = FakePublishers(error=ProducerError("cannot reach Kafka at 127.0.0.1:1"))
    app.dependency_overrides[get_publishers] = lambda: down
    app.dependency_overrides[get_elasticsearch] = lambda: fake_es
    with TestClient(app) as client:
        response = _post(client, REPORT)
        malformed = client.post("/reports", content=b"{")
    assert response.status_code == 503 and "Kafka" in response.json()["detail"]
    assert malformed.status_code == 422  # the body is judged before Kafka is needed


# --- GET /search ------------------------------------------------------------------------------

def _search_response() -> dict:
    return {
        "hits": {"total": {"value": 1, "relation": "eq"}, "hits": [{
            "_id": "r1", "_score": 3.5,
            "_source": {"title": "قصف على إدلب", "text": "قصفت قوات النظام بلدات في ريف إدلب الجنوبي",
                        "governorates": ["Idlib"], "actor_ids": ["syr-gov-forces"], "escalation_score": 0.7},
        }]},
        "aggregations": {
            "actors": {"buckets": [{"key": "syr-gov-forces", "doc_count": 1}]},
            "governorates": {"buckets": [{"key": "Idlib", "doc_count": 1}]},
            "event_types": {"buckets": [{"key": "shelling", "doc_count": 1}]},
            "sources": {"buckets": []},
            "published_at": {"buckets": [{"key": 1534723200000, "key_as_string": "2018-08-20T00:00:00.000Z",
                                          "doc_count": 1}]},
        },
    }


def test_arabic_search_sends_the_stemmed_form_and_shapes_hits_and_facets(client, fake_es):
    bounds = {"hits": {"total": {"value": 1}, "hits": []},
              "aggregations": {"first": {"value": 1534723200000.0}, "last": {"value": 1534723200000.0}}}
    fake_es.search_responses = [bounds, _search_response()]
    response = client.get("/search", params={"q": "تحرير الشام", "governorate": ["Idlib", "Hama"]})
    assert response.status_code == 200
    bounds_request, search_request = fake_es.searches
    assert search_request["index"] == "unit-reports" and search_request["ignore_unavailable"] is True
    text_clause = search_request["query"]["bool"]["must"][0]["bool"]["must"][0]
    assert text_clause == {"match": {"text_search": {"query": search_form("تحرير الشام"), "operator": "and"}}}
    assert {"terms": {"governorates": ["Idlib", "Hama"]}} in search_request["query"]["bool"]["filter"]
    assert bounds_request["query"] == search_request["query"]
    body = response.json()
    assert body["query"] == {"q": "تحرير الشام", "search_form": "تحرير شام", "script": "arabic"}
    assert body["facets"]["governorates"] == [{"value": "Idlib", "count": 1}]
    assert body["facets"]["published_at"] == [{"date": "2018-08-20T00:00:00.000Z", "count": 1}]
    assert body["facets"]["published_at_interval"] == "hour"
    assert body["hits"][0]["id"] == "r1" and body["hits"][0]["score"] == 3.5


def test_search_hits_carry_snippets_highlighting_the_words_as_written(client, fake_es):
    fake_es.search_responses = [{"hits": {"total": {"value": 0}, "hits": []}}, _search_response()]
    hit = client.get("/search", params={"q": "ادلب"}).json()["hits"][0]
    (snippet,) = hit["snippets"]
    assert [snippet["text"][s:e] for s, e in snippet["highlights"]] == ["إدلب"]
    assert "<mark>إدلب</mark>" in snippet["html"]
    assert [hit["title"][s:e] for s, e in hit["title_highlights"]] == ["إدلب"]


def test_fixed_interval_skips_the_bounds_request(client, fake_es):
    client.get("/search", params={"interval": "month"})
    (request,) = fake_es.searches
    assert request["aggs"]["published_at"]["date_histogram"]["calendar_interval"] == "month"


def test_search_parameters_out_of_range_are_422(client, fake_es):
    for params in ({"size": 101}, {"page": 0}, {"min_escalation": 1.5}, {"sort": "random"}, {"q": "x" * 1001},
                   {"since": "yesterday"}, {"page": 101, "size": 100}):
        response = client.get("/search", params=params)
        assert response.status_code == 422, params
        assert response.json()["detail"], params
    assert all(s["size"] == 0 for s in fake_es.searches)  # only bounds requests could have been sent


@pytest.mark.parametrize("path, params", [
    ("/search", {"place": "x" * 201}),           # Elasticsearch refuses a keyword term over 32,766 bytes (502)
    ("/search", {"actor": ["hts", "x" * 201]}),
    ("/search", {"governorate": ["Idlib"] * 51}),
    ("/search", {"page": 10_001}),
    ("/signals", {"key": "k" * 201}),
    ("/signals", {"page": 10 ** 20}),
])
def test_filter_values_and_pages_beyond_what_elasticsearch_takes_are_422(client, fake_es, path, params):
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert fake_es.searches == []


def test_elasticsearch_unreachable_is_503_json(settings, publishers):
    from api.dependencies import get_publishers

    app = create_app(settings)  # real client towards a closed port
    app.dependency_overrides[get_publishers] = lambda: publishers
    with TestClient(app) as client:
        response = client.get("/search", params={"q": "ادلب"})
    assert response.status_code == 503
    assert response.json()["detail"].startswith("Elasticsearch cannot be reached")


# --- GET /reports/{id}, /signals, /health -----------------------------------------------------

def test_report_by_id_and_404(client, fake_es):
    fake_es.documents["sohr/2018/1"] = {"id": "sohr/2018/1", "text": "نص", "governorates": ["Idlib"],
                                        "locations": [{"lat": 35.9, "lon": 36.6}], "analysis": {"killed": 2}}
    found = client.get("/reports/sohr/2018/1")
    assert found.status_code == 200
    assert found.json()["governorates"] == ["Idlib"] and found.json()["analysis"] == {"killed": 2}
    assert fake_es.gets[0]["index"] == "unit-reports"
    missing = client.get("/reports/nope")
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


def test_report_without_an_id_is_a_4xx_not_a_crash(client, fake_es):
    response = client.get("/reports/")  # the client library refuses an empty id (was 500)
    assert response.status_code == 422 and response.json()["detail"]
    assert fake_es.gets == []


def test_signals_are_listed_and_filtered(client, fake_es):
    fake_es.search_responses = [{"hits": {"total": {"value": 1}, "hits": [
        {"_id": "s1", "_source": {"key": "Idlib", "key_type": "governorate", "level": "high", "score": 0.9,
                                  "reasons": ["3 clashes vs 0.5 expected"], "window_end": "2024-01-02T00:00:00Z"}}]}}]
    response = client.get("/signals", params={"level": "high", "key": "Idlib", "since": "2024-01-01"})
    assert response.status_code == 200
    assert response.json()["signals"][0]["key"] == "Idlib" and response.json()["total"] == 1
    (request,) = fake_es.searches
    assert request["index"] == "unit-signals" and request["ignore_unavailable"] is True
    assert {"terms": {"level": ["high"]}} in request["query"]["bool"]["filter"]


def test_signals_absent_index_is_an_empty_list(client):
    response = client.get("/signals")
    assert response.status_code == 200 and response.json()["signals"] == []


def test_health_is_degraded_when_elasticsearch_is_down(settings):
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["elasticsearch"]["reachable"] is False
    assert body["elasticsearch"]["error"] and body["namespace"] == "unit"


# --- OpenAPI ----------------------------------------------------------------------------------

def test_openapi_describes_every_endpoint_and_parameter(client):
    spec = client.get("/openapi.json").json()
    assert {"/health", "/search", "/reports", "/reports/{report_id}", "/signals"} <= set(spec["paths"])
    params = {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert params == {"q", "actor", "governorate", "place", "event_type", "since", "until", "min_escalation",
                      "sort", "page", "size", "interval"}
    post = spec["paths"]["/reports"]["post"]
    one_of = post["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    assert one_of[0]["required"] == ["text"] and "reports" in one_of[1]["properties"]
    assert {"202", "413", "422", "503"} <= set(post["responses"])
    assert "SearchResponse" in spec["components"]["schemas"]


def test_elasticsearch_refusal_is_502_with_its_reason(client, fake_es):
    from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
    from elasticsearch import BadRequestError

    async def refuse(**kwargs):
        meta = ApiResponseMeta(status=400, http_version="1.1", headers=HttpHeaders(), duration=0.0,
                               node=NodeConfig("http", "localhost", 9200))
        raise BadRequestError("search_phase_execution_exception", meta,
                              {"error": {"reason": "all shards failed"}, "status": 400})

    fake_es.search = refuse
    response = client.get("/search", params={"interval": "day"})
    assert response.status_code == 502
    assert "all shards failed" in response.json()["detail"]


def test_openapi_declares_how_each_protected_operation_is_authenticated(client):
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerKey"] == {**schemes["bearerKey"], "type": "http", "scheme": "bearer"}
    assert schemes["apiKeyHeader"] == {**schemes["apiKeyHeader"], "type": "apiKey", "in": "header",
                                       "name": "X-API-Key"}
    either = [{"bearerKey": []}, {"apiKeyHeader": []}]
    assert spec["paths"]["/subscriptions"]["post"]["security"] == either
    assert spec["paths"]["/alerts"]["get"]["security"] == either
    assert spec["paths"]["/keys"]["post"]["security"] == [{"bearerKey": []}]
    assert "security" not in spec["paths"]["/search"]["get"]      # public reading


def test_a_wrong_authorization_scheme_is_still_told_apart_from_a_missing_key(client):
    basic = client.get("/subscriptions", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    missing = client.get("/subscriptions")
    assert basic.status_code == missing.status_code == 401
    assert "Bearer" in basic.json()["detail"] and "API key is required" in missing.json()["detail"]
