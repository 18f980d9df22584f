"""The API over the SQLite file of ``rasd run`` (the embedded mode): no Elasticsearch, no Kafka, no server.

The reports are the ones the Elasticsearch tests index (``tests/search_cases.py``, through
rasd.search.report_document), and the same queries must find the same reports.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.backends.sqlite import to_store_bound
from api.config import ApiSettings
from api.keys import create_key
from embedded.runner import run_embedded
from rasd.errors import ConfigurationError
from rasd.schema import Alert, Report
from rasd.search import report_document
from rasd.settings import Settings
from rasd.store import SqliteStore, utc_instant
from tests.search_cases import FILTER_CASES, REPORTS, SIGNAL, enriched

OWNER = "analyst@example.org"


def _alert(alert_id: str, owner: str, *, kind: str = "report", severity: str = "high", subscription: str = "sub-1",
           created_at: str = "2018-08-20T12:00:05+00:00") -> Alert:
    return Alert(id=alert_id, subscription_id=subscription, owner=owner, kind=kind,
                 report_id="r-idlib" if kind == "report" else None, signal_id="sig-idlib-1" if kind == "signal" else None,
                 severity=severity, title="قصف واشتباكات في إدلب", reasons=("governorate: Idlib",), actor_ids=("hts",),
                 governorates=("Idlib",), event_types=("shelling",), locations=({"lat": 35.93, "lon": 36.63},),
                 created_at=created_at, published_at="2018-08-20T12:00:00+00:00")


ALERTS = [_alert("a-1", OWNER), _alert("a-2", OWNER, kind="signal", severity="medium", subscription="sub-2",
                                        created_at="2018-08-21T00:00:02+00:00"),
          _alert("a-other", "someone-else@example.org")]


def _write_db(path: Path, *, signals: bool = True) -> Path:
    store = SqliteStore(path)
    store.upsert_reports([report_document(e) for e in REPORTS])
    if signals:
        store.upsert_signal(SIGNAL.to_dict())
    for alert in ALERTS:
        store.upsert_alert(alert.to_dict())
    store.close()
    return path


def _settings() -> Settings:
    return Settings.from_env({}, namespace="unit", elasticsearch_url="http://127.0.0.1:9", kafka_bootstrap="127.0.0.1:1")


def _api_settings(tmp_path: Path, **overrides) -> ApiSettings:
    return ApiSettings(api_db=str(tmp_path / "api.sqlite"), **overrides)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return _write_db(tmp_path / "embedded.sqlite")


@pytest.fixture
def client(tmp_path: Path, db: Path) -> Iterator[TestClient]:
    app = create_app(_settings(), api_settings=_api_settings(tmp_path), embedded_db=db)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _ids(client: TestClient, **params) -> list[str]:
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["hits"]]


# --- the queries of the Elasticsearch tests -----------------------------------------------------

def test_bare_arabic_query_finds_the_report_written_with_hamza_and_clitic(client):
    body = client.get("/search", params={"q": "ادلب"}).json()
    assert [h["id"] for h in body["hits"]] == ["r-idlib"]
    highlighted = {s["text"][a:b] for s in body["hits"][0]["snippets"] for a, b in s["highlights"]}
    assert highlighted == {"بإدلب", "إدلب"}
    assert "<mark>بإدلب</mark>" in body["hits"][0]["snippets"][0]["html"]
    title = body["hits"][0]["title"]
    assert [title[a:b] for a, b in body["hits"][0]["title_highlights"]] == ["إدلب"]
    assert body["query"] == {"q": "ادلب", "search_form": "ادلب", "script": "arabic"}
    assert body["hits"][0]["score"] > 0


def test_arabic_phrase_finds_the_full_actor_name(client):
    assert _ids(client, q="تحرير الشام") == ["r-idlib"]
    assert _ids(client, q="هيئة تحرير الشام") == ["r-idlib"]
    assert _ids(client, q="دير الزور") == []


def test_english_query_finds_arabic_reports_by_place_name_and_english_titles(client):
    assert _ids(client, q="idlib") == ["r-idlib"]
    assert _ids(client, q="IDLIB") == ["r-idlib"]
    assert _ids(client, q="Hay'at Tahrir al-Sham") == ["r-idlib"]  # the actor's English name, as a whole
    assert _ids(client, q="protest") == ["r-damascus"]


@pytest.mark.parametrize("params, expected", FILTER_CASES + [
    ({"since": "2018-09-05T11:30:00+03:00", "until": "2018-09-05T11:30:00+03:00"}, {"r-hama"}),
    ({"q": "اشتباكات"}, {"r-idlib", "r-hama"}),
])
def test_filters(client, params, expected):
    assert set(_ids(client, **params)) == expected


def test_facets_count_the_matching_reports(client):
    body = client.get("/search").json()
    facets = body["facets"]
    assert body["total"] == 3 and body["total_is_exact"] is True
    assert {b["value"]: b["count"] for b in facets["governorates"]} == {"Idlib": 1, "Hama": 1, "Damascus": 1}
    assert [(b["value"], b["count"]) for b in facets["actors"]] == [("syr-gov-forces", 2), ("hts", 1), ("nfl", 1)]
    assert {b["value"]: b["count"] for b in facets["event_types"]} == {"armed_clash": 2, "shelling": 1, "protest": 1}
    assert {b["value"] for b in facets["sources"]} == {"SOHR", "SANA", "Enab Baladi"}
    assert facets["published_at_interval"] == "week"  # 2018-08-20 … 2019-01-10 in at most 60 buckets
    assert facets["published_at"] == [{"date": "2018-08-20T00:00:00.000Z", "count": 1},
                                       {"date": "2018-09-03T00:00:00.000Z", "count": 1},  # weeks start on Monday
                                       {"date": "2019-01-07T00:00:00.000Z", "count": 1}]
    filtered = client.get("/search", params={"governorate": "Hama"}).json()["facets"]
    assert {b["value"]: b["count"] for b in filtered["actors"]} == {"syr-gov-forces": 1, "nfl": 1}


@pytest.mark.parametrize("interval, keys", [
    ("day", ["2018-08-20T00:00:00.000Z", "2018-09-05T00:00:00.000Z", "2019-01-10T00:00:00.000Z"]),
    ("hour", ["2018-08-20T12:00:00.000Z", "2018-09-05T08:00:00.000Z", "2019-01-10T18:00:00.000Z"]),
    ("month", ["2018-08-01T00:00:00.000Z", "2018-09-01T00:00:00.000Z", "2019-01-01T00:00:00.000Z"]),
    ("year", ["2018-01-01T00:00:00.000Z", "2019-01-01T00:00:00.000Z"]),
])
def test_a_fixed_interval_buckets_in_utc(client, interval, keys):
    facets = client.get("/search", params={"interval": interval}).json()["facets"]
    assert facets["published_at_interval"] == interval
    assert [b["date"] for b in facets["published_at"]] == keys


def test_auto_interval_narrows_with_the_matching_reports(client):
    facets = client.get("/search", params={"q": "اشتباكات", "governorate": "Idlib"}).json()["facets"]
    assert facets["published_at_interval"] == "hour"  # one report: no span
    assert facets["published_at"] == [{"date": "2018-08-20T12:00:00.000Z", "count": 1}]


def test_sort_by_time_and_paging(client):
    assert _ids(client, sort="time") == ["r-damascus", "r-hama", "r-idlib"]
    assert _ids(client, sort="time", size=1, page=2) == ["r-hama"]
    assert _ids(client, size=1, page=4) == []
    body = client.get("/search", params={"size": 1}).json()
    assert (body["total"], body["page"], body["size"], len(body["hits"])) == (3, 1, 1, 1)


@pytest.mark.parametrize("q, expected", [
    ('title:"x" OR *', []),
    ('text:ادلب OR _id:r-hama', []),
    ('ادلب AND (title:* OR "x\\") {!} [1 TO *]', []),
    ('*:*', []), ('"', []), ('\\', []), ('(((', []), ('&& || ! + - = > < ~ ^ ? /', []),
    ('"ادلب"', ["r-idlib"]), ('ادلب!؟', ["r-idlib"]), ('(ادلب)', ["r-idlib"]), ('a~2 idlib^3', []),
    ('NEAR(ادلب حماة)', []), ("ادلب*", ["r-idlib"]), ("ادلب NOT", []),
])
def test_queries_full_of_fts_and_lucene_special_characters_are_plain_text(client, q, expected):
    assert _ids(client, q=q) == expected


def test_a_punctuation_only_query_finds_nothing_and_counts_nothing(client):
    body = client.get("/search", params={"q": "***"}).json()
    assert body["total"] == 0 and body["facets"]["governorates"] == [] and body["facets"]["published_at"] == []


def test_relevance_puts_the_words_in_order_first(tmp_path):
    texts = {"apart": "تحرير المدينة من قبل الفصائل بعد معارك في ريف الشام الشمالي وتحرير قرى أخرى",
             "phrase": "بيان جديد لهيئة تحرير الشام حول المعارك في ريف المدينة"}
    store = SqliteStore(tmp_path / "rank.sqlite")
    store.upsert_reports([report_document(enriched(Report(rid, text, "2020-01-01T00:00:00+00:00", "SOHR"),
                                                   actors=[], places=[], event_types=[], score=0.0))
                          for rid, text in texts.items()])
    store.close()
    app = create_app(_settings(), api_settings=_api_settings(tmp_path), embedded_db=tmp_path / "rank.sqlite")
    with TestClient(app) as client:
        hits = client.get("/search", params={"q": "تحرير الشام"}).json()["hits"]
    assert [h["id"] for h in hits] == ["phrase", "apart"]
    assert hits[0]["score"] > hits[1]["score"] > 0


# --- reports, signals, alerts, health -----------------------------------------------------------

def test_report_by_id_and_404(client):
    found = client.get("/reports/r-idlib")
    assert found.status_code == 200
    body = found.json()
    assert body["id"] == "r-idlib" and body["governorates"] == ["Idlib"]
    assert body["locations"] == [{"lat": 35.93, "lon": 36.63}]
    assert body["analysis"]["actors"][1]["id"] == "hts"
    assert "text_search" not in body and "text_normalized" not in body
    missing = client.get("/reports/r-nowhere")
    assert missing.status_code == 404 and "r-nowhere" in missing.json()["detail"]


def test_signals_empty_before_any(tmp_path):
    db = _write_db(tmp_path / "quiet.sqlite", signals=False)
    with TestClient(create_app(_settings(), api_settings=_api_settings(tmp_path), embedded_db=db)) as client:
        empty = client.get("/signals")
    assert empty.status_code == 200 and empty.json() == {"total": 0, "page": 1, "size": 50, "signals": []}


def test_signals_listed_and_filtered(client):
    listed = client.get("/signals", params={"level": "high", "key": "Idlib", "since": "2018-08-01"}).json()
    assert [s["id"] for s in listed["signals"]] == ["sig-idlib-1"] and listed["total"] == 1
    assert listed["signals"][0]["reasons"] == ["6.0 weighted events vs 1.5 expected"]
    assert listed["signals"][0]["location"] == {"lat": 35.93, "lon": 36.63}
    assert client.get("/signals", params={"level": "low"}).json()["signals"] == []
    assert client.get("/signals", params={"key": ["Hama", "Idlib"]}).json()["total"] == 1
    assert client.get("/signals", params={"since": "2019-01-01"}).json()["signals"] == []


def test_alerts_are_the_key_owners_own_newest_first_and_filtered(client, tmp_path):
    key = {"Authorization": f"Bearer {create_key(OWNER, _api_settings(tmp_path))}"}
    assert client.get("/alerts").status_code == 401
    body = client.get("/alerts", headers=key).json()
    assert [a["id"] for a in body["alerts"]] == ["a-2", "a-1"] and body["total"] == 2
    assert [a["id"] for a in client.get("/alerts", headers=key, params={"kind": "report"}).json()["alerts"]] == ["a-1"]
    assert [a["id"] for a in client.get("/alerts", headers=key, params={"severity": "medium"}).json()["alerts"]] == ["a-2"]
    assert [a["id"] for a in client.get("/alerts", headers=key,
                                        params={"subscription": "sub-1"}).json()["alerts"]] == ["a-1"]
    assert [a["id"] for a in client.get("/alerts", headers=key,
                                        params={"since": "2018-08-20T23:00:00Z"}).json()["alerts"]] == ["a-2"]
    assert client.get("/alerts", headers=key, params={"since": "soon"}).status_code == 422


def test_health_names_the_sqlite_backend_and_its_counts(client):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["backend"] == "sqlite" and body["elasticsearch"] is None
    assert body["sqlite"] == {"reachable": True, "file": "embedded.sqlite", "error": None,
                              "counts": {"reports": 3, "signals": 1, "alerts": 3, "dead_letters": 0}}


def test_a_database_that_can_no_longer_be_read_makes_health_degraded_and_reads_503(client, db):
    client.app.state.embedded_backend.store.conn.close()
    health = client.get("/health").json()
    assert health["status"] == "degraded" and health["sqlite"]["reachable"] is False
    response = client.get("/search", params={"q": "ادلب"})
    assert response.status_code == 503 and "embedded database" in response.json()["detail"]


# --- what the embedded mode does not do, and how it is chosen ------------------------------------

@pytest.mark.parametrize("method, path", [("POST", "/subscriptions"), ("PUT", "/subscriptions/s-1"),
                                          ("PATCH", "/subscriptions/s-1"), ("DELETE", "/subscriptions/s-1"),
                                          ("GET", "/alerts/stream")])
def test_endpoints_that_need_kafka_are_503_naming_the_embedded_mode(client, tmp_path, method, path):
    key = {"Authorization": f"Bearer {create_key(OWNER, _api_settings(tmp_path))}"}
    response = client.request(method, path, headers=key, content=json.dumps({"text": "قصف على إدلب"}))
    assert response.status_code == 503
    assert "embedded database" in response.json()["detail"] and "Kafka" in response.json()["detail"]


def test_a_posted_report_is_analysed_and_stored_before_the_answer(client):
    report = {"id": "r-posted", "source": "SOHR", "published_at": "2019-06-12T09:00:00+00:00",
              "title": "قصف على أريحا",
              "text": "قصفت قوات النظام بالصواريخ مدينة أريحا في ريف إدلب الجنوبي، ما أدى إلى مقتل 3 مدنيين."}
    response = client.post("/reports", content=json.dumps(report, ensure_ascii=False).encode())
    assert response.status_code == 202 and response.json() == {"accepted": ["r-posted"], "refused": [], "warnings": []}
    stored = client.get("/reports/r-posted").json()
    assert "syr-gov-forces" in stored["actor_ids"] and stored["governorates"] == ["Idlib"]
    assert stored["story_id"] and stored["analysis"]["killed"] == 3
    assert "r-posted" in _ids(client, q="اريحا")


def test_posted_reports_refused_are_422_and_kept_as_dead_letters(client):
    batch = {"reports": [{"id": "r-empty", "text": "   "}, "not an object"]}
    response = client.post("/reports", content=json.dumps(batch).encode())
    assert response.status_code == 422
    assert [r["code"] for r in response.json()["refused"]] == ["empty_text", "not_an_object"]
    assert client.get("/health").json()["sqlite"]["counts"]["dead_letters"] == 2
    assert client.post("/reports", content=b'{"text": ').status_code == 422  # malformed: judged before the pipeline


def test_bad_embedded_subscriptions_fail_fast(tmp_path, db):
    bad = tmp_path / "subs.json"
    bad.write_text('{"subscriptions": "none"}', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="subs.json"):
        create_app(_settings(), api_settings=_api_settings(tmp_path), embedded_db=db, embedded_subscriptions=bad)


@pytest.mark.parametrize("params, detail", [
    ({"since": "yesterday"}, "is not an ISO date"),
    ({"until": "2018-13-01"}, "is not an ISO date"),
    ({"page": 200, "size": 100}, "beyond the first 10000 results"),
    ({"min_escalation": 2}, "less than or equal to 1"),
])
def test_parameters_out_of_range_are_422_as_over_elasticsearch(client, params, detail):
    response = client.get("/search", params=params)
    assert response.status_code == 422 and detail in json.dumps(response.json())
    assert client.get("/signals", params={"since": "never"}).status_code == 422


def test_a_report_written_while_the_api_serves_is_found(client, db):
    late = enriched(Report("r-late", "قصف مدفعي على مدينة دير الزور", "2019-02-01T00:00:00+00:00", "SOHR"),
                    actors=[], places=[], event_types=["shelling"], score=0.3)
    writer = SqliteStore(db)  # `rasd run` adding a file to the same database
    writer.upsert_reports([report_document(late)])
    writer.close()
    assert _ids(client, q="دير الزور") == ["r-late"]


def test_a_missing_database_fails_fast_naming_the_command_that_makes_it(tmp_path):
    with pytest.raises(ConfigurationError, match=r"rasd run --db .*nowhere\.sqlite"):
        create_app(_settings(), api_settings=_api_settings(tmp_path), embedded_db=tmp_path / "nowhere.sqlite")


def test_the_embedded_database_may_come_from_the_environment(tmp_path, db):
    api_settings = ApiSettings.from_env({"RASD_EMBEDDED_DB": str(db), "RASD_API_DB": str(tmp_path / "api.sqlite")})
    assert api_settings.embedded_db == str(db)
    with TestClient(create_app(_settings(), api_settings=api_settings)) as client:
        assert client.get("/health").json()["backend"] == "sqlite"
        assert _ids(client, q="ادلب") == ["r-idlib"]


def test_the_web_page_and_what_it_reads_are_served(client):
    assert client.get("/").status_code == 200
    assert client.get("/web/labels.json").json()["actors"]["hts"]["ar"]
    spec = client.get("/openapi.json").json()
    assert {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]} >= {"q", "governorate", "actor"}


# --- the store's parts the backend relies on -----------------------------------------------------

@pytest.mark.parametrize("value, instant", [
    ("2018-08-20T15:00:00+03:00", "2018-08-20T12:00:00.000000"),
    ("2018-08-20T12:00:00Z", "2018-08-20T12:00:00.000000"),
    ("2018-08-20", "2018-08-20T00:00:00.000000"),
    ("0001-01-01T01:00:00+02:00", None),  # leaves the calendar in UTC
    ("yesterday", None), ("", None), (None, None), (12, None),
])
def test_utc_instant(value, instant):
    assert utc_instant(value) == instant


def test_store_bounds_include_the_whole_day_of_a_bare_until():
    assert to_store_bound("2018-08-20", upper=True) == "2018-08-20T23:59:59.999999"
    assert to_store_bound("2018-08-20", upper=False) == "2018-08-20"
    assert to_store_bound("2018-08-20T15:00:00+03:00", upper=False) == "2018-08-20T12:00:00+00:00"


# --- the bundled samples through `rasd run`, then the API over its file --------------------------

@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("run") / "rasd.sqlite"
    assert run_embedded([], db=db, out=io.StringIO(), err=io.StringIO()) == 0
    return db


def test_the_api_serves_what_rasd_run_stored(sample_db, tmp_path):
    with TestClient(create_app(_settings(), api_settings=_api_settings(tmp_path), embedded_db=sample_db)) as client:
        hts = client.get("/search", params={"q": "تحرير الشام"}).json()
        by_actor = client.get("/search", params={"actor": "hts"}).json()
        signals = client.get("/signals").json()
        key = {"X-API-Key": create_key(OWNER, _api_settings(tmp_path))}
        alerts = client.get("/alerts", headers=key).json()
    assert hts["total"] >= 2 and all("hts" in h["actor_ids"] for h in hts["hits"])
    assert by_actor["total"] >= hts["total"] - 1 and by_actor["facets"]["actors"][0]["value"] == "hts"
    assert any(b["value"] == "Idlib" for b in hts["facets"]["governorates"])
    assert signals["total"] >= 1 and signals["signals"][0]["level"] in ("low", "medium", "high")
    assert alerts["total"] >= 1 and {a["owner"] for a in alerts["alerts"]} == {OWNER}
