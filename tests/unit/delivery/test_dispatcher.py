"""Dispatcher: concurrency, isolation of failures, throttling with digests, dead letters, logs."""

from __future__ import annotations

import asyncio
import logging
import time

from delivery.base import Channel, DeliveryResult, DeliverySettings
from delivery.dead_letter import MemoryDeadLetterSink
from delivery.dispatcher import Dispatcher, redact_target
from delivery.registry import build_channels
from delivery.sse import AlertBroadcaster
from delivery.throttle import Throttle
from delivery.webhook import derive_webhook_secret, verify_signature
from tests.unit.delivery.factories import make_alert
from tests.unit.delivery.servers import StoringHandler

SETTINGS = DeliverySettings(webhook_secret="s", delivery_max_attempts=3)


class RecordingChannel(Channel):
    name = "recording"

    def __init__(self, delay: float = 0.0):
        super().__init__(SETTINGS)
        self.delay = delay
        self.delivered: list[tuple[str, str, float]] = []

    async def deliver(self, alert, target):
        await asyncio.sleep(self.delay)
        self.delivered.append((alert["id"], target, time.perf_counter()))
        return DeliveryResult(ok=True, attempts=1, status=200, channel=self.name)


class BrokenChannel(Channel):
    name = "broken"

    async def deliver(self, alert, target):
        raise RuntimeError("bug in a channel")


class RejectingChannel(Channel):
    name = "rejecting"

    async def deliver(self, alert, target):
        return DeliveryResult(ok=False, attempts=1, status=410, error="HTTP 410", outcome="failed",
                              channel=self.name)


def subscription(*channels, throttle_seconds=0):
    return {"id": "sub-idlib", "owner": "analyst-1", "throttle_seconds": throttle_seconds,
            "channels": [{"type": kind, "target": target} for kind, target in channels]}


def test_one_slow_and_one_broken_channel_do_not_hold_back_the_others():
    slow, fast = RecordingChannel(delay=0.4), RecordingChannel()
    sink = MemoryDeadLetterSink()
    dispatcher = Dispatcher(SETTINGS, {"slow": slow, "fast": fast, "broken": BrokenChannel(SETTINGS)},
                            dead_letters=sink)
    started = time.perf_counter()
    results = asyncio.run(dispatcher.dispatch(
        make_alert(), subscription(("slow", "s"), ("broken", "b"), ("fast", "f"))))
    assert [r.outcome for r in results] == ["delivered", "error", "delivered"]
    assert "RuntimeError: bug in a channel" in results[1].error
    assert fast.delivered[0][2] - started < 0.2  # not behind the slow one
    assert slow.delivered and fast.delivered
    assert [(d.channel, d.code) for d in sink.dead_letters] == [("broken", "error")]


def test_channels_run_concurrently():
    channels = {f"c{n}": RecordingChannel(delay=0.3) for n in range(4)}
    dispatcher = Dispatcher(SETTINGS, channels)
    started = time.perf_counter()
    results = asyncio.run(dispatcher.dispatch(make_alert(), subscription(*[(k, "t") for k in channels])))
    assert all(r.ok for r in results) and len(results) == 4
    assert time.perf_counter() - started < 0.9  # four 0.3 s deliveries, not 1.2 s in sequence


def test_unconfigured_channel_and_final_rejection_are_dead_lettered():
    sink = MemoryDeadLetterSink()
    dispatcher = Dispatcher(SETTINGS, {"rejecting": RejectingChannel(SETTINGS)}, dead_letters=sink)
    results = asyncio.run(dispatcher.dispatch(make_alert(), subscription(("email", "a@example.org"),
                                                                         ("rejecting", "r"))))
    assert [r.outcome for r in results] == ["unavailable", "failed"]
    assert [(d.channel, d.code, d.target) for d in sink.dead_letters] == [
        ("email", "unavailable", "a@example.org"), ("rejecting", "rejected", "r")]


def test_throttled_alerts_are_held_then_delivered_as_one_digest():
    clock = [1_700_000_000.0]
    channel = RecordingChannel()
    dispatcher = Dispatcher(SETTINGS, {"recording": channel}, throttle=Throttle(), clock=lambda: clock[0])
    sub = subscription(("recording", "t"), throttle_seconds=300)

    async def run():
        outcomes = []
        for n in range(1, 5):
            [result] = await dispatcher.dispatch(make_alert(id=f"a{n}"), sub)
            outcomes.append(result.outcome)
            clock[0] += 10
        early = await dispatcher.flush_due()
        clock[0] += 300
        due = await dispatcher.flush_due()
        return outcomes, early, due

    outcomes, early, due = asyncio.run(run())
    assert outcomes == ["delivered", "held", "held", "held"]
    assert early == [] and [r.outcome for r in due] == ["delivered"]
    assert [d[0] for d in channel.delivered][0] == "a1"
    digest_id = channel.delivered[1][0]
    assert digest_id.startswith("digest-") and len(channel.delivered) == 2


def test_one_key_value_log_line_per_delivery_with_redacted_targets(caplog):
    dispatcher = Dispatcher(SETTINGS, {"webhook": RecordingChannel(), "email": RecordingChannel()})
    with caplog.at_level(logging.INFO, logger="delivery.dispatcher"):
        asyncio.run(dispatcher.dispatch(make_alert(), subscription(
            ("webhook", "https://hooks.example.org/t/SECRET-TOKEN"), ("email", "analyst@example.org"))))
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("delivery ")]
    assert len(lines) == 2
    assert all("alert=alert-0001 subscription=sub-idlib" in line and "outcome=delivered" in line for line in lines)
    assert "target=https://hooks.example.org " in lines[0] and "SECRET-TOKEN" not in " ".join(lines)
    assert "target=*@example.org" in lines[1] and "analyst@" not in lines[1]


def test_redact_target():
    assert redact_target("webhook", "https://u:p@hooks.example.org:8443/x?k=1") == "https://hooks.example.org:8443"
    assert redact_target("email", "analyst@example.org") == "*@example.org"
    assert redact_target("sse", "stream") == "stream"


def test_run_flusher_delivers_due_digests_until_stopped():
    clock = [1_700_000_000.0]
    channel = RecordingChannel()
    dispatcher = Dispatcher(SETTINGS, {"recording": channel}, clock=lambda: clock[0])
    sub = subscription(("recording", "t"), throttle_seconds=60)

    async def run():
        await dispatcher.dispatch(make_alert(id="a1"), sub)
        await dispatcher.dispatch(make_alert(id="a2"), sub)
        stop = asyncio.Event()
        task = asyncio.create_task(dispatcher.run_flusher(0.01, stop))
        await asyncio.sleep(0.03)
        clock[0] += 60
        await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 1)

    asyncio.run(run())
    assert [d[0] for d in channel.delivered] == ["a1", "a2"]  # a lone held alert goes out as itself


def test_real_channels_end_to_end_a_failing_webhook_does_not_stop_email_or_sse(receiver_factory, smtp_server):
    good, bad = receiver_factory(), receiver_factory(default=(503, {"Retry-After": "0"}))
    handler = StoringHandler()
    settings = DeliverySettings(webhook_secret="master", allow_private_targets=True, delivery_max_attempts=2,
                                delivery_backoff_seconds=0.01, smtp_host="127.0.0.1",
                                smtp_port=smtp_server(handler), smtp_from="alerts@rasd.example.org")
    hub = AlertBroadcaster()
    sink = MemoryDeadLetterSink()
    alert = make_alert()
    sub = {"id": "sub-idlib", "owner": "analyst-1", "throttle_seconds": 0, "channels": [
        {"type": "webhook", "target": bad.url}, {"type": "webhook", "target": good.url},
        {"type": "email", "target": "analyst@example.org"}, {"type": "sse", "target": ""}]}

    async def run():
        dispatcher = Dispatcher(settings, build_channels(settings, broadcaster=hub), dead_letters=sink)
        stream = hub.stream("analyst-1")
        try:
            results = await dispatcher.dispatch(alert, sub)
            chunks = [await anext(stream), await anext(stream)]
            return results, chunks
        finally:
            await stream.aclose()
            await dispatcher.aclose()

    results, chunks = asyncio.run(run())
    assert [(r.channel, r.outcome, r.attempts) for r in results] == [
        ("webhook", "failed", 2), ("webhook", "delivered", 1), ("email", "delivered", 1), ("sse", "delivered", 1)]
    [request] = good.requests
    assert verify_signature(request.body, request.headers["x-rasd-signature"],
                            derive_webhook_secret("master", "sub-idlib"))
    assert len(bad.requests) == 2 and len(handler.envelopes) == 1
    assert b"id: alert-0001" in chunks[1]
    assert [(d.channel, d.code, d.target) for d in sink.dead_letters] == [("webhook", "gave_up", bad.url)]
