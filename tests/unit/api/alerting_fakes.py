"""Fakes and an app builder for the key, subscription and alert tests: no Kafka, no Elasticsearch.

The SQLite key and subscription store is the real one, in the test's temporary folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator

from fastapi.testclient import TestClient

from api.app import create_app
from api.config import ApiSettings
from api.dependencies import get_elasticsearch
from api.state import get_alert_feed, get_subscription_writer
from api.subscription_topic import SubscriptionPublishError
from delivery import AlertBroadcaster, DeliverySettings
from rasd.settings import Settings
from tests.unit.api.conftest import FakeElasticsearch

ADMIN_TOKEN = "admin-token-for-unit-tests"
MASTER_SECRET = "master-webhook-secret-for-unit-tests"


class RecordingWriter:
    """Stands in for the Kafka subscription writer: keeps every record, or fails like an absent Kafka."""

    def __init__(self, error: str | None = None):
        self.records: list[tuple[str, dict[str, Any] | None]] = []
        self.error = error

    def put(self, subscription: dict[str, Any]) -> None:
        if self.error:
            raise SubscriptionPublishError(self.error)
        self.records.append((subscription["id"], subscription))

    def delete(self, subscription_id: str) -> None:
        if self.error:
            raise SubscriptionPublishError(self.error)
        self.records.append((subscription_id, None))

    def close(self) -> None:
        pass


class FakeFeed:
    """Stands in for the alerts-topic follower: ready or not, as told."""

    def __init__(self, ready: bool = True):
        self.ready = ready
        self.calls = 0

    async def ensure_running(self, timeout: float) -> bool:
        self.calls += 1
        return self.ready

    def error(self) -> str | None:
        return None if self.ready else "NoBrokersAvailable: test"

    def close(self) -> None:
        pass


class FiniteBroadcaster(AlertBroadcaster):
    """A real broadcaster whose streams end after ``limit`` chunks, so a test client can read them whole."""

    def __init__(self, limit: int = 3):
        super().__init__(queue_size=10, replay_size=100, keepalive_seconds=0.05)
        self.limit = limit
        self.calls: list[tuple[str, str | None, Any]] = []

    def stream(self, owner, last_event_id=None, subscription_ids=None) -> AsyncIterator[bytes]:
        self.calls.append((owner, last_event_id, subscription_ids))
        inner = super().stream(owner, last_event_id, subscription_ids)

        async def first_chunks() -> AsyncIterator[bytes]:
            count = 0
            async for chunk in inner:
                yield chunk
                count += 1
                if count >= self.limit:
                    await inner.aclose()
                    return

        return first_chunks()


def build_client(tmp_path: Path, *, writer: RecordingWriter | None = None, es: FakeElasticsearch | None = None,
                 feed: FakeFeed | None = None, broadcaster: AlertBroadcaster | None = None,
                 admin_token: str = ADMIN_TOKEN, max_subscriptions: int = 100,
                 delivery: DeliverySettings | None = None) -> TestClient:
    """A TestClient over the real app with a temporary database and the given fakes (entered: call close())."""
    settings = Settings.from_env({}, namespace="unit", elasticsearch_url="http://127.0.0.1:9",
                                 kafka_bootstrap="127.0.0.1:1")
    api_settings = ApiSettings(api_db=str(tmp_path / "api.sqlite"), admin_token=admin_token,
                               max_subscriptions=max_subscriptions)
    app = create_app(settings, api_settings=api_settings,
                     delivery_settings=delivery or DeliverySettings(webhook_secret=MASTER_SECRET))
    if broadcaster is not None:
        app.state.broadcaster = broadcaster
    app.dependency_overrides[get_subscription_writer] = lambda: writer if writer is not None else RecordingWriter()
    app.dependency_overrides[get_elasticsearch] = lambda: es if es is not None else FakeElasticsearch()
    app.dependency_overrides[get_alert_feed] = lambda: feed if feed is not None else FakeFeed()
    client = TestClient(app, raise_server_exceptions=False)
    client.__enter__()
    return client


def make_key(client: TestClient, owner: str) -> dict[str, str]:
    """An API key for ``owner`` made through ``POST /keys``, as request headers."""
    response = client.post("/keys", json={"owner": owner}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['key']}"}
