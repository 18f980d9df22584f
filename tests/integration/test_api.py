"""The HTTP API against the real Elasticsearch started by `rasd services up`.

Reports are built by hand (rasd.schema dataclasses), turned into search documents by
rasd.search.report_document and indexed through the indexers' own ensure_index + bulk_index,
in a namespace of their own (the `settings` and `es` fixtures of conftest.py). A server that
cannot be reached makes these tests FAIL, never skip.
"""

from __future__ import annotations

import asyncio
from typing import Iterator

import pytest
from elasticsearch import AsyncElasticsearch, Elasticsearch
from fastapi.testclient import TestClient

from api.app import create_app
from indexers.elasticsearch_sink import bulk_index, ensure_index
from rasd.search import report_document
from rasd.settings import Settings
from tests.search_cases import FILTER_CASES, REPORTS, SIGNAL


async def _index(settings: Settings, kind: str, alias: str, docs: list[tuple[str, dict]]) -> None:
    client = AsyncElasticsearch(settings.elasticsearch_url, request_timeout=30)
    try:
        await ensure_index(client, kind, alias)
        failures = await bulk_index(client, alias, docs)
        assert failures == [], failures
    finally:
        await client.close()


@pytest.fixture
def client(settings: Settings, es: Elasticsearch) -> Iterator[TestClient]:
    """The API over a namespace of its own (the shared fixtures remove its indices afterwards)."""
    asyncio.run(_index(settings, "reports", settings.indices.reports,
                       [(e.report.id, report_document(e)) for e in REPORTS]))
    es.indices.refresh(index=settings.indices.reports)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _ids(client: TestClient, **params) -> list[str]:
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["hits"]]


def test_bare_arabic_query_finds_the_report_written_with_hamza_and_clitic(client):
    response = client.get("/search", params={"q": "ادلب"})
    assert response.status_code == 200
    body = response.json()
    assert [h["id"] for h in body["hits"]] == ["r-idlib"]
    highlighted = {s["text"][a:b] for s in body["hits"][0]["snippets"] for a, b in s["highlights"]}
    assert highlighted == {"بإدلب", "إدلب"}


def test_arabic_phrase_finds_the_full_actor_name(client):
    assert _ids(client, q="تحرير الشام") == ["r-idlib"]
    assert _ids(client, q="دير الزور") == []


def test_english_query_finds_arabic_reports_by_place_name_and_english_titles(client):
    assert _ids(client, q="idlib") == ["r-idlib"]
    assert _ids(client, q="protest") == ["r-damascus"]


@pytest.mark.parametrize("params, expected", FILTER_CASES)
def test_filters(client, params, expected):
    assert set(_ids(client, **params)) == expected


def test_facets_count_the_matching_reports(client):
    body = client.get("/search").json()
    facets = body["facets"]
    assert body["total"] == 3
    assert {b["value"]: b["count"] for b in facets["governorates"]} == {"Idlib": 1, "Hama": 1, "Damascus": 1}
    assert {b["value"]: b["count"] for b in facets["actors"]} == {"syr-gov-forces": 2, "hts": 1, "nfl": 1}
    assert {b["value"]: b["count"] for b in facets["event_types"]} == {"armed_clash": 2, "shelling": 1, "protest": 1}
    assert {b["value"] for b in facets["sources"]} == {"SOHR", "SANA", "Enab Baladi"}
    assert facets["published_at_interval"] == "week"  # 2018-08-20 … 2019-01-10 in at most 60 buckets
    assert sum(b["count"] for b in facets["published_at"]) == 3
    filtered = client.get("/search", params={"governorate": "Hama"}).json()["facets"]
    assert {b["value"]: b["count"] for b in filtered["actors"]} == {"syr-gov-forces": 1, "nfl": 1}


def test_sort_by_time_and_paging(client):
    assert _ids(client, sort="time") == ["r-damascus", "r-hama", "r-idlib"]
    assert _ids(client, sort="time", size=1, page=2) == ["r-hama"]
    assert client.get("/search", params={"size": 1}).json()["total"] == 3


@pytest.mark.parametrize("q, expected", [
    ('title:"x" OR *', []),                     # every word required: no report holds "title", "x", "or"
    ('text:ادلب OR _id:r-hama', []),             # no field syntax: r-hama is not fetched by id
    ('ادلب AND (title:* OR "x\\") {!} [1 TO *]', []),
    ('*:*', []), ('"', []), ('\\', []), ('(((', []), ('&& || ! + - = > < ~ ^ ? /', []),  # no word, nothing found
    ('"ادلب"', ["r-idlib"]), ('ادلب!؟', ["r-idlib"]), ('(ادلب)', ["r-idlib"]), ('a~2 idlib^3', []),
])
def test_queries_full_of_lucene_special_characters_are_plain_text(client, q, expected):
    assert _ids(client, q=q) == expected


def test_report_by_id_and_404(client):
    found = client.get("/reports/r-idlib")
    assert found.status_code == 200
    body = found.json()
    assert body["id"] == "r-idlib" and body["governorates"] == ["Idlib"]
    assert body["locations"] == [{"lat": 35.93, "lon": 36.63}]
    assert body["analysis"]["actors"][1]["id"] == "hts"
    missing = client.get("/reports/r-nowhere")
    assert missing.status_code == 404 and "r-nowhere" in missing.json()["detail"]


def test_signals_empty_before_any_then_listed_and_filtered(client, settings, es):
    empty = client.get("/signals")
    assert empty.status_code == 200 and empty.json() == {"total": 0, "page": 1, "size": 50, "signals": []}
    asyncio.run(_index(settings, "signals", settings.indices.signals, [(SIGNAL.id, SIGNAL.to_dict())]))
    es.indices.refresh(index=settings.indices.signals)
    listed = client.get("/signals", params={"level": "high", "key": "Idlib", "since": "2018-08-01"}).json()
    assert [s["id"] for s in listed["signals"]] == ["sig-idlib-1"]
    assert listed["signals"][0]["reasons"] == ["6.0 weighted events vs 1.5 expected"]
    assert client.get("/signals", params={"level": "low"}).json()["signals"] == []
    assert client.get("/signals", params={"since": "2019-01-01"}).json()["signals"] == []


def test_health_reports_elasticsearch_and_the_aliases(client, settings):
    body = client.get("/health").json()
    assert body["status"] == "ok"
    es = body["elasticsearch"]
    assert es["reachable"] and es["version"].startswith("8.19.")
    assert es["indices"] == {settings.indices.reports: True, settings.indices.signals: False,
                             settings.indices.alerts: False}
