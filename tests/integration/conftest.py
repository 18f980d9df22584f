"""Fixtures for tests against the real Kafka and Elasticsearch started by `rasd services up`.

A server that cannot be reached makes the test FAIL with a message naming it; nothing skips.
"""

from __future__ import annotations

import socket
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from rasd.settings import Settings
from services.rasd_processes import RasdProcesses

REPO = Path(__file__).resolve().parents[2]
SEED = (REPO / ".." / "shared" / "seed" / "sohr-2018-08-idlib-negotiations.txt").resolve()
SAMPLES = REPO / "rasd" / "data" / "samples" / "reports.jsonl"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    settings = Settings.from_env()
    host, port = settings.kafka_servers[0].rsplit(":", 1)
    if not _reachable(host, int(port)):
        pytest.fail(f"Kafka is not reachable at {settings.kafka_bootstrap}: start it with `rasd services up`")
    es = Elasticsearch(settings.elasticsearch_url, request_timeout=10)
    try:
        health = es.cluster.health(wait_for_status="yellow", timeout="30s")
    except Exception as exc:  # the message must name the server, whatever the client raised
        pytest.fail(f"Elasticsearch is not reachable at {settings.elasticsearch_url}: {exc} "
                    "(start it with `rasd services up`)")
    assert health["status"] in ("yellow", "green")
    return settings


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    """Settings with a namespace of its own: topics, indices and groups no other test touches."""
    namespace = f"t{uuid.uuid4().hex[:10]}"
    return Settings.from_env(namespace=namespace, topic_partitions=3)


@pytest.fixture
def es(settings: Settings) -> Iterator[Elasticsearch]:
    client = Elasticsearch(settings.elasticsearch_url, request_timeout=30)
    yield client
    client.options(ignore_status=404).indices.delete(index=f"{settings.namespace}-*")
    for alias in settings.indices.all():
        client.options(ignore_status=404).indices.delete_index_template(name=alias)
    client.close()


@pytest.fixture
def topics(settings: Settings) -> Iterator[list[str]]:
    """Create every topic of the namespace with explicit partitions; delete them afterwards."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_servers, client_id="rasd-tests")
    names = list(settings.topics.all())
    admin.create_topics([NewTopic(n, num_partitions=settings.topics.partitions_of(n), replication_factor=1,
                                  topic_configs=settings.topics.config_of(n)) for n in names])
    yield names
    try:
        admin.delete_topics(names)
    finally:
        admin.close()


@pytest.fixture
def producer(settings: Settings) -> Iterator[KafkaProducer]:
    p = KafkaProducer(bootstrap_servers=settings.kafka_servers, acks="all")
    yield p
    p.close()


@pytest.fixture
def processes(settings: Settings, tmp_path: Path) -> Iterator[RasdProcesses]:
    group = RasdProcesses(settings, tmp_path)
    yield group
    group.stop_all()


def wait_for(predicate: Callable[[], object], timeout: float, what: str, on_timeout: Callable[[], str] = lambda: "") -> object:
    """Poll ``predicate`` until it returns a truthy value; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{on_timeout()}")


def fetch_doc(es: Elasticsearch, index: str, doc_id: str) -> dict | None:
    """The document's source, or None while the index or the document does not exist yet."""
    response = es.options(ignore_status=(404, 503)).get(index=index, id=doc_id)
    return response.body.get("_source") if response.meta.status == 200 else None
