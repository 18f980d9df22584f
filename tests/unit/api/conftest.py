"""Fakes for the API's unit tests: no Kafka, no Elasticsearch."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elasticsearch import NotFoundError
from fastapi.testclient import TestClient

from api.app import create_app
from api.dependencies import get_elasticsearch, get_publishers
from producers.publisher import ReportPublisher
from rasd.settings import Settings


class RecordingSink:
    """A message sink that keeps what it is sent."""

    def __init__(self) -> None:
        self.reports: list[tuple[bytes, bytes]] = []
        self.dead_letters: list[bytes] = []
        self.flushes = 0

    def send_report(self, key: bytes, value: bytes) -> None:
        self.reports.append((key, value))

    def send_dead_letter(self, key: bytes | None, value: bytes) -> None:
        self.dead_letters.append(value)

    def flush(self) -> None:
        self.flushes += 1


class FakePublishers:
    def __init__(self, sink: RecordingSink | None = None, error: Exception | None = None):
        self.sink = sink or RecordingSink()
        self.error = error

    def publisher(self) -> ReportPublisher:
        if self.error:
            raise self.error
        return ReportPublisher(self.sink)

    def close(self) -> None:
        pass


def not_found() -> NotFoundError:
    meta = ApiResponseMeta(status=404, http_version="1.1", headers=HttpHeaders(), duration=0.0,
                           node=NodeConfig("http", "localhost", 9200))
    return NotFoundError("not_found", meta, {"found": False})


class FakeElasticsearch:
    """Answers searches with canned responses and records every request."""

    def __init__(self, search_responses: list[dict[str, Any]] | None = None, documents: dict[str, dict] | None = None):
        self.search_responses = list(search_responses or [])
        self.documents = documents or {}
        self.searches: list[dict[str, Any]] = []
        self.gets: list[dict[str, Any]] = []

    async def search(self, **kwargs: Any) -> SimpleNamespace:
        self.searches.append(kwargs)
        body = self.search_responses.pop(0) if self.search_responses else {"hits": {"total": {"value": 0}, "hits": []}}
        return SimpleNamespace(body=body)

    async def get(self, **kwargs: Any) -> dict[str, Any]:
        self.gets.append(kwargs)
        if kwargs["id"] not in self.documents:
            raise not_found()
        return {"_id": kwargs["id"], "_source": self.documents[kwargs["id"]]}


@pytest.fixture
def settings() -> Settings:
    return Settings.from_env({}, namespace="unit", elasticsearch_url="http://127.0.0.1:9", kafka_bootstrap="127.0.0.1:1")


@pytest.fixture
def fake_es() -> FakeElasticsearch:
    return FakeElasticsearch()


@pytest.fixture
def publishers() -> FakePublishers:
    return FakePublishers()


@pytest.fixture
def client(settings, fake_es, publishers) -> Iterator[TestClient]:
    app = create_app(settings)
    app.dependency_overrides[get_elasticsearch] = lambda: fake_es
    app.dependency_overrides[get_publishers] = lambda: publishers
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
