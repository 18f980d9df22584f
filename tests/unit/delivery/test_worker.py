"""The delivery worker without Kafka: channel choice, the subscription cache, dispatching one record or a batch.

Webhooks go to a real HTTP receiver on 127.0.0.1 and their signatures are checked.
"""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest

from delivery.base import DeliverySettings
from delivery.dead_letter import MemoryDeadLetterSink
from delivery.dispatcher import Dispatcher
from delivery.exceptions import DeliveryConfigError
from delivery.throttle import Throttle
from delivery.webhook import derive_webhook_secret, verify_signature
from delivery.worker import DeliveryWorker, SubscriptionCache, choose_channels, decode_subscription, select_channels
from rasd.settings import Settings
from tests.unit.delivery.factories import make_alert

SECRET = "worker-test-master-secret"
SETTINGS = Settings.from_env({}, namespace="unit", kafka_bootstrap="127.0.0.1:1")
DELIVERY = DeliverySettings(webhook_secret=SECRET, allow_private_targets=True, delivery_max_attempts=2,
                            delivery_backoff_seconds=0.0, delivery_timeout_seconds=5.0)


def _record(key: str | None, value, offset: int = 0) -> SimpleNamespace:
    raw = value if value is None or isinstance(value, bytes) else json.dumps(value, ensure_ascii=False).encode()
    return SimpleNamespace(key=key.encode() if key else None, value=raw, partition=0, offset=offset)


def _subscription(sub_id: str, *channels: dict, active: bool = True) -> dict:
    return {"id": sub_id, "owner": "analyst-1", "governorates": ["Idlib"], "channels": list(channels),
            "active": active}


# --- which channels -------------------------------------------------------------------------------------

def test_channels_default_to_the_configured_ones():
    assert choose_channels(DeliverySettings(webhook_secret="s"), {}) == ["webhook"]
    both = DeliverySettings(webhook_secret="s", smtp_host="127.0.0.1", smtp_from="rasd@example.org")
    assert choose_channels(both, {}) == ["webhook", "email"]


def test_no_configured_channel_fails_fast_naming_the_settings():
    with pytest.raises(DeliveryConfigError, match="RASD_WEBHOOK_SECRET"):
        choose_channels(DeliverySettings(), {})


def test_named_channels_are_checked():
    assert choose_channels(DeliverySettings(), {"RASD_DELIVERY_CHANNELS": "email, email"}) == ["email"]
    with pytest.raises(DeliveryConfigError, match="sse is served by the API"):
        choose_channels(DeliverySettings(), {"RASD_DELIVERY_CHANNELS": "webhook,sse"})


def test_a_named_channel_without_its_settings_fails_when_the_worker_is_built():
    with pytest.raises(DeliveryConfigError, match="email needs RASD_SMTP_HOST"):
        DeliveryWorker(SETTINGS, DeliverySettings(), ["email"])


# --- the subscription cache ---------------------------------------------------------------------------------

def test_decode_subscription_reads_records_and_tombstones():
    sub_id, sub = decode_subscription(b"sub-1", json.dumps({"owner": "a", "actors": ["hts"]}).encode())
    assert sub_id == "sub-1" and sub["id"] == "sub-1" and sub["actors"] == ["hts"] and sub["active"] is True
    assert decode_subscription(b"sub-1", None) == ("sub-1", None)
    for key, value in ((None, b"{}"), (b"sub-1", b"[1]"), (b"sub-1", b"{oops"),
                       (b"sub-1", json.dumps({"channels": [{"type": "webhook"}]}).encode())):
        with pytest.raises(ValueError):
            decode_subscription(key, value)


def test_cache_follows_creates_replacements_and_deletions():
    cache = SubscriptionCache(SETTINGS)
    cache.apply(_record("sub-1", _subscription("sub-1")))
    cache.apply(_record("sub-2", _subscription("sub-2")))
    cache.apply(_record("sub-1", {**_subscription("sub-1"), "governorates": ["Hama"]}, offset=2))
    cache.apply(_record("sub-2", None, offset=3))
    cache.apply(_record("sub-3", b"not json", offset=4))
    assert len(cache) == 1 and cache.get("sub-1")["governorates"] == ["Hama"]
    assert cache.get("sub-2") is None and cache.refused == 1


def test_select_channels_leaves_sse_to_the_api():
    sub = _subscription("s", {"type": "sse", "target": "analyst-1"}, {"type": "webhook", "target": "https://x.org"})
    assert select_channels(sub)["channels"] == [{"type": "webhook", "target": "https://x.org"}]
    assert sub["channels"][0]["type"] == "sse"  # the cached subscription is not changed


# --- dispatching ---------------------------------------------------------------------------------------------

@pytest.fixture
def worker():
    built = DeliveryWorker(SETTINGS, DELIVERY, ["webhook"])
    built.dispatcher = Dispatcher(DELIVERY, built._channels, Throttle(), dead_letters=MemoryDeadLetterSink())
    built.cache.follower.sync = lambda timeout: True  # no Kafka: the cache is what the test applied
    return built


def _run(worker: DeliveryWorker, coroutine):
    """Run one coroutine of the worker, closing its HTTP connections on the same event loop."""
    async def run_and_close():
        try:
            return await coroutine
        finally:
            await worker.dispatcher.aclose()

    return asyncio.run(run_and_close())


def test_an_alert_is_posted_signed_to_its_subscriptions_webhook(worker, receiver_factory):
    receiver = receiver_factory()
    worker.cache.apply(_record("sub-idlib", _subscription("sub-idlib", {"type": "webhook", "target": receiver.url},
                                                          {"type": "sse", "target": "analyst-1"})))
    alert = make_alert()
    outcomes = _run(worker, worker.handle(_record("sub-idlib", alert)))
    assert outcomes == ["delivered"]
    (request,) = receiver.requests
    assert json.loads(request.body)["title"] == alert["title"]
    assert verify_signature(request.body, request.headers["x-rasd-signature"], derive_webhook_secret(SECRET, "sub-idlib"))
    assert request.headers["idempotency-key"] == alert["id"]


@pytest.mark.parametrize("subscription, expected", [
    (None, ["no_subscription"]),
    (_subscription("sub-idlib", {"type": "webhook", "target": "http://127.0.0.1:9/x"}, active=False), ["inactive"]),
    (_subscription("sub-idlib", {"type": "sse", "target": "analyst-1"}), ["stream_only"]),
])
def test_alerts_without_a_live_subscription_or_a_channel_here_are_skipped(worker, subscription, expected):
    if subscription is not None:
        worker.cache.apply(_record("sub-idlib", subscription))
    assert _run(worker, worker.handle(_record("sub-idlib", make_alert()))) == expected
    assert worker.dispatcher.dead_letters.dead_letters == []


def test_an_undecodable_alert_becomes_a_dead_letter(worker):
    assert _run(worker, worker.handle(_record("sub-idlib", b"\x00garbage"))) == ["undecodable"]
    (letter,) = worker.dispatcher.dead_letters.dead_letters
    assert letter.code == "undecodable" and letter.message["raw"] == "\x00garbage"


def test_a_refused_delivery_is_dead_lettered_with_the_alert(worker, receiver_factory):
    receiver = receiver_factory(default=(410, {}))
    worker.cache.apply(_record("sub-idlib", _subscription("sub-idlib", {"type": "webhook", "target": receiver.url})))
    assert _run(worker, worker.handle(_record("sub-idlib", make_alert()))) == ["failed"]
    (letter,) = worker.dispatcher.dead_letters.dead_letters
    assert (letter.code, letter.status, letter.message["id"]) == ("rejected", 410, "alert-0001")


def test_a_batch_keeps_each_subscriptions_order(worker, receiver_factory):
    first, second = receiver_factory(), receiver_factory()
    for sub_id, receiver in (("sub-a", first), ("sub-b", second)):
        worker.cache.apply(_record(sub_id, _subscription(sub_id, {"type": "webhook", "target": receiver.url})))
    records = [_record(sub, make_alert(id=f"{sub}-{i}", subscription_id=sub), offset=i)
               for i in range(4) for sub in ("sub-a", "sub-b")]
    outcome = _run(worker, worker.handle_batch(records))
    assert outcome.records == 8 and outcome.outcomes == {"delivered": 8}
    assert [r.headers["idempotency-key"] for r in first.requests] == [f"sub-a-{i}" for i in range(4)]
    assert [r.headers["idempotency-key"] for r in second.requests] == [f"sub-b-{i}" for i in range(4)]
