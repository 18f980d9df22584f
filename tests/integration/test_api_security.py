"""The API's security requirements (issue 5) against the real Elasticsearch and Kafka.

The unit tests (``tests/unit/api/test_auth.py``, ``test_subscriptions.py``, ``test_ingest.py``) check
each rule with fakes; these check them on the running system, derived from the OpenAPI document so
a new route is covered as soon as it is declared:

* every operation that documents a 401 refuses a missing, unknown, revoked or non-Bearer credential,
  and every other operation answers without one;
* another owner's subscription is 404 (worded as for an id that never existed) and nothing reaches
  the subscriptions topic; another owner's alerts stay invisible, even asked for by subscription id;
* wildcard, fuzzy, regular-expression, field and JSON query syntax in ``q``, in the filters and in
  report ids is taken literally (``test_api.py`` covers Lucene operators in ``q``);
* every body of every write operation that is oversized, malformed, nested too deeply or holds an
  unpaired surrogate is a 4xx whose ``detail`` says what is wrong.

The data are the 16 sample reports analysed by the real analyzer, and the alerts the sample
subscriptions raise for them, held by ``alice``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Iterator

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient
from kafka import KafkaConsumer

from api.app import create_app
from api.config import ApiSettings
from api.keys import create_key, revoke_key, split_prefix
from delivery import DeliverySettings
from rasd.schema import EnrichedReport
from rasd.search import report_document
from rasd.settings import Settings
from tests.integration.test_api_schemathesis import analyse_samples, derive_alerts, index_documents

ADMIN_TOKEN = "admin-token-for-security-tests"
ALICE, BOB = "alice@example.org", "bob@example.org"
OWNER_OPERATIONS = {("GET", "/subscriptions"), ("POST", "/subscriptions"), ("GET", "/subscriptions/{subscription_id}"),
                    ("PUT", "/subscriptions/{subscription_id}"), ("PATCH", "/subscriptions/{subscription_id}"),
                    ("DELETE", "/subscriptions/{subscription_id}"), ("GET", "/alerts"), ("GET", "/alerts/stream"),
                    ("POST", "/keys"), ("DELETE", "/keys/{prefix}")}
SUBSCRIPTION = {"name": "HTS in Idlib", "actors": ["hts"], "governorates": ["Idlib"], "min_severity": "medium"}


class Api:
    """A test client over the app, the keys of alice and bob, and the samples it searches."""

    def __init__(self, client: TestClient, settings: Settings, api_settings: ApiSettings,
                 enriched: list[EnrichedReport]):
        self.client = client
        self.settings = settings
        self.api_settings = api_settings
        self.enriched = enriched
        self.alice = {"Authorization": f"Bearer {create_key(ALICE, api_settings)}"}
        self.bob = {"X-API-Key": create_key(BOB, api_settings)}
        self.admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def search_ids(self, **params) -> list[str]:
        response = self.client.get("/search", params={"size": 100, **params})
        assert response.status_code == 200, response.text
        return [hit["id"] for hit in response.json()["hits"]]

    def operations(self) -> list[tuple[str, str, dict]]:
        """``(method, path, operation)`` of every operation of the OpenAPI document."""
        document = self.client.get("/openapi.json").json()
        return [(method.upper(), path, operation) for path, methods in document["paths"].items()
                for method, operation in methods.items()]


@pytest.fixture
def api(settings: Settings, es: Elasticsearch, topics: list[str], tmp_path) -> Iterator[Api]:
    enriched = analyse_samples()
    alerts = derive_alerts(enriched, [], ALICE)
    assert alerts, "the sample subscriptions raise no alert for the sample reports"
    asyncio.run(index_documents(settings, {"reports": [(e.report.id, report_document(e)) for e in enriched],
                                           "alerts": [(a.id, a.to_dict()) for a in alerts]}))
    es.indices.refresh(index=f"{settings.namespace}-*")
    api_settings = ApiSettings(api_db=str(tmp_path / "api.sqlite"), admin_token=ADMIN_TOKEN)
    delivery = DeliverySettings(webhook_secret="master-webhook-secret-for-security-tests")
    with TestClient(create_app(settings, api_settings=api_settings, delivery_settings=delivery),
                    raise_server_exceptions=False) as client:
        yield Api(client, settings, api_settings, enriched)


def fill_path(path: str) -> str:
    return path.replace("{subscription_id}", "sub-0123456789abcdef0123").replace("{prefix}", "rasd_AAAAAAAA") \
        .replace("{report_id}", "no-such-report")


# --- no key, or not a valid one: 401 ------------------------------------------------------------------

def credentials_that_are_not_keys(api: Api) -> dict[str, dict[str, str]]:
    revoked = create_key("mallory", api.api_settings)
    assert revoke_key(split_prefix(revoked), api.api_settings) == 1
    return {"none": {}, "unknown": {"Authorization": "Bearer rasd_" + "A" * 43},
            "revoked": {"X-API-Key": revoked}, "basic": {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
            "empty bearer": {"Authorization": "Bearer "}}


def test_every_operation_documenting_401_refuses_requests_without_a_valid_key(api):
    guarded = {(m, p) for m, p, operation in api.operations() if "401" in operation["responses"]}
    assert guarded == OWNER_OPERATIONS
    for name, headers in credentials_that_are_not_keys(api).items():
        for method, path in sorted(guarded):
            response = api.client.request(method, fill_path(path), content=b"{}",
                                          headers={**headers, "Content-Type": "application/json"})
            assert response.status_code == 401, (name, method, path, response.text)
            assert response.headers["www-authenticate"].startswith("Bearer"), (name, method, path)
            assert isinstance(response.json()["detail"], str) and response.json()["detail"]


def test_an_owner_key_is_not_the_administrator_token(api):
    assert api.client.post("/keys", json={"owner": "mallory"}, headers=api.alice).status_code == 401
    assert api.client.delete("/keys/rasd_AAAAAAAA", headers=api.bob).status_code == 401


def test_operations_without_401_answer_without_a_key(api):
    public = [(m, p) for m, p, operation in api.operations() if "401" not in operation["responses"]]
    assert {("GET", "/health"), ("GET", "/search"), ("GET", "/signals")} <= set(public)
    for method, path in public:
        body = {"text": "اشتباكات في ريف إدلب الجنوبي", "source": "security"} if method == "POST" else None
        response = api.client.request(method, fill_path(path), json=body)
        assert response.status_code < 500 and response.status_code != 401, (method, path, response.text)


# --- another owner's subscription and alerts -----------------------------------------------------------

def read_subscription_records(settings: Settings) -> list[tuple[str, dict | None]]:
    """Every record of the compacted subscriptions topic, from its start."""
    consumer = KafkaConsumer(settings.topics.subscriptions, bootstrap_servers=settings.kafka_servers,
                             auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=3000)
    try:
        return [(m.key.decode(), json.loads(m.value) if m.value is not None else None) for m in consumer]
    finally:
        consumer.close()


def test_another_owners_subscription_is_404_like_a_missing_one_and_nothing_reaches_kafka(api):
    created = api.client.post("/subscriptions", json=SUBSCRIPTION, headers=api.alice)
    assert created.status_code == 201, created.text
    sub_id = created.json()["id"]
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        body = {"name": "taken over", "active": False} if method in ("PUT", "PATCH") else None
        theirs = api.client.request(method, f"/subscriptions/{sub_id}", json=body, headers=api.bob)
        missing = api.client.request(method, "/subscriptions/sub-00000000000000000000", json=body, headers=api.bob)
        assert theirs.status_code == missing.status_code == 404, method
        assert theirs.json()["detail"] == missing.json()["detail"].replace("sub-00000000000000000000", sub_id)
    assert api.client.get("/subscriptions", headers=api.bob).json() == {"total": 0, "page": 1, "size": 50,
                                                                        "subscriptions": []}
    records = read_subscription_records(api.settings)
    assert [(key, value["owner"], value["name"]) for key, value in records] == [(sub_id, ALICE, "HTS in Idlib")]
    kept = api.client.get(f"/subscriptions/{sub_id}", headers=api.alice).json()
    assert kept["name"] == "HTS in Idlib" and kept["active"] is True


def test_another_owners_alerts_stay_invisible_even_by_subscription_id(api):
    mine = api.client.get("/alerts", headers=api.alice).json()
    assert mine["total"] > 0 and {a["owner"] for a in mine["alerts"]} == {ALICE}
    subscription_ids = sorted({a["subscription_id"] for a in mine["alerts"]})
    for params in ({}, {"subscription": subscription_ids}, {"kind": "report"}, {"since": "2000-01-01"}):
        theirs = api.client.get("/alerts", params=params, headers=api.bob)
        assert theirs.status_code == 200 and theirs.json()["total"] == 0 and theirs.json()["alerts"] == [], params


# --- query syntax is text -------------------------------------------------------------------------------

# Each of these, read as query syntax (query_string), matches some of the sample reports.
INTERPRETABLE = ["Idl*", "Idli?", "Idlb~1", "/Idl.*/", "/.*/", "*", "governorates:Idlib", "place_names_en:Idlib",
                 "title:*", "_exists_:title", "_id:sample-2019-06-12-sohr-ariha-rockets", "text_search:ادلب",
                 "ادل*", "إدل?", "ادلب~2 OR *", "ق?ف", "/ق.ف/", "اريح*"]


@pytest.mark.parametrize("q", INTERPRETABLE)
def test_wildcard_fuzzy_regexp_and_field_syntax_in_q_is_not_interpreted(api, es, q):
    interpreted = es.search(index=api.settings.indices.reports, query={"query_string": {"query": q}}, size=0)
    assert interpreted["hits"]["total"]["value"] > 0  # as syntax it would find reports ...
    assert api.search_ids(q=q) == []                   # ... as text, no report holds these words


@pytest.mark.parametrize("q", ['{"match_all": {}}', '{"query_string": {"query": "*"}}', "idlib*", "Idlib?",
                               '{"bool": {"should": [{"term": {"governorates": "Idlib"}}]}}'])
def test_query_dsl_in_q_is_text(api, q):
    assert api.search_ids(q=q) == []


def test_the_words_those_queries_play_on_do_find_reports(api):
    idlib = set(api.search_ids(q="idlib"))
    assert idlib and set(api.search_ids(q="IDLIB")) == idlib
    assert set(api.search_ids(q="ادلب")) >= idlib and api.search_ids(q="اريحا") and api.search_ids(q="قصف")


@pytest.mark.parametrize("params", [
    {"actor": "*"}, {"actor": "hts OR tip"}, {"actor": "h*"}, {"governorate": "Idl*"}, {"governorate": "*"},
    {"governorate": "Idlib OR Hama"}, {"governorate": "idlib"}, {"place": "*"}, {"place": "sy-*"},
    {"event_type": "shelling OR airstrike"}, {"event_type": "/.*/"}, {"actor": '{"match_all": {}}'},
])
def test_filter_values_are_exact_terms(api, params):
    assert api.search_ids(**params) == []


def test_exact_filter_values_do_find_reports(api):
    assert api.search_ids(actor="hts") and api.search_ids(governorate="Idlib") and api.search_ids(place="sy-idlib")


@pytest.mark.parametrize("report_id", ["*", "_search", "_all", "sample-*", "sample-2019-06-12-rt-ceasefire*",
                                       "_doc/sample-2019-06-12-rt-ceasefire", "..%2Fsample-2019-06-12-rt-ceasefire",
                                       "sample-2019-06-12-rt-ceasefire%3Fpretty", "sample-2019-06-12-rt-ceasefire%00"])
def test_report_ids_are_looked_up_literally(api, report_id):
    response = api.client.get(f"/reports/{report_id}")
    assert response.status_code == 404, response.text
    assert api.client.get("/reports/sample-2019-06-12-rt-ceasefire").status_code == 200


def test_signal_and_alert_filters_are_exact_terms(api):
    assert api.client.get("/alerts", params={"kind": "*"}, headers=api.alice).json()["total"] == 0
    assert api.client.get("/alerts", params={"severity": "high OR low"}, headers=api.alice).json()["total"] == 0
    assert api.client.get("/alerts", params={"kind": "report"}, headers=api.alice).json()["total"] > 0
    assert api.client.get("/signals", params={"key": "*"}).json()["total"] == 0


# --- oversized and malformed bodies ----------------------------------------------------------------------

MALFORMED = {
    "empty": (b"", 422, "empty"),
    "truncated": ('{"text": "قصف'.encode(), 422, "not valid JSON"),
    "not UTF-8": (b'{"text": "\xff\xfe"}', 422, "UTF-8"),
    "nested": (b"[" * 2000 + b"]" * 2000, 422, "nested too deeply"),  # under the 4 KB of POST /keys
    "surrogate": (b'{"name": "\\ud800", "text": "\\udfff"}', 422, "surrogate"),
    "array": (b"[]", 422, "object"),
}


def write_operations(api: Api) -> list[tuple[str, str, dict[str, str], int]]:
    """``(method, path, headers, body limit)`` of every operation taking a body, on a subscription alice holds."""
    sub_id = api.client.post("/subscriptions", json=SUBSCRIPTION, headers=api.alice).json()["id"]
    limits = {"/reports": 10_000_000, "/subscriptions": 64 * 1024, "/keys": 4096}
    found = []
    for method, path, operation in api.operations():
        if "requestBody" in operation:
            headers = api.admin if path.startswith("/keys") else api.alice
            limit = next(v for prefix, v in limits.items() if path.startswith(prefix))
            found.append((method, path.replace("{subscription_id}", sub_id), headers, limit))
    assert {(m, p.split("/sub-")[0]) for m, p, _, _ in found} == {
        ("POST", "/reports"), ("POST", "/subscriptions"), ("PUT", "/subscriptions"), ("PATCH", "/subscriptions"),
        ("POST", "/keys")}
    return found


def test_malformed_bodies_are_4xx_saying_what_is_wrong_on_every_write(api):
    for method, path, headers, _limit in write_operations(api):
        for name, (raw, status, words) in MALFORMED.items():
            response = api.client.request(method, path, content=raw,
                                          headers={**headers, "Content-Type": "application/json"})
            assert response.status_code == status, (method, path, name, response.text)
            detail = response.json()["detail"]
            assert isinstance(detail, str) and words.lower() in detail.lower(), (method, path, name, detail)


def test_oversized_bodies_are_413_naming_the_limit_on_every_write(api):
    for method, path, headers, limit in write_operations(api):
        raw = b'{"text": "' + b"x" * limit + b'"}'
        response = api.client.request(method, path, content=raw,
                                      headers={**headers, "Content-Type": "application/json"})
        assert response.status_code == 413, (method, path, response.text[:200])
        assert f"over {limit} bytes" in response.json()["detail"], (method, path)


def test_a_streamed_body_without_a_length_is_cut_at_the_limit(api):
    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts what it reads
        yield b'{"name": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = api.client.post("/subscriptions", content=chunks(),
                               headers={**api.alice, "Content-Type": "application/json"})
    assert response.status_code == 413 and "over 65536 bytes" in response.json()["detail"]
