"""SSE: event format, fan-out filtered by owner and subscription, slow clients, keep-alive, replay."""

from __future__ import annotations

import asyncio
import json

from delivery.base import DeliverySettings
from delivery.sse import KEEPALIVE, AlertBroadcaster, SseChannel, format_sse
from tests.unit.delivery.factories import make_alert

RETRY_HINT = b"retry: 3000\n\n"


def parse_event(raw: bytes) -> dict:
    """The fields of one SSE event, as a browser's EventSource would read them."""
    assert raw.endswith(b"\n\n")
    event: dict = {"data": []}
    for line in raw.decode("utf-8").rstrip("\n").split("\n"):
        name, _, value = line.partition(": ")
        if name == "data":
            event["data"].append(value)
        else:
            event[name] = value
    event["data"] = json.loads("\n".join(event["data"]))
    return event


async def next_chunk(stream, timeout: float = 1.0) -> bytes:
    return await asyncio.wait_for(anext(stream), timeout)


def test_format_sse_fields_and_utf8_arabic():
    alert = make_alert()
    raw = format_sse(alert)
    assert raw.startswith(b"id: alert-0001\nevent: alert\ndata: {")
    assert "غارات جوية".encode("utf-8") in raw
    assert raw.count(b"\n\n") == 1
    assert parse_event(raw) == {"id": "alert-0001", "event": "alert", "data": alert}


def test_format_sse_digest_event_and_unsafe_id():
    raw = format_sse({"id": "d-1\nevent: evil", "kind": "digest", "title": "سطر\nثان"})
    event = parse_event(raw)
    assert event["event"] == "digest" and event["id"] == "d-1event: evil"
    assert event["data"]["title"] == "سطر\nثان"  # newline kept inside the JSON, not breaking the frame


def test_several_subscribers_get_only_their_alerts():
    async def run():
        hub = AlertBroadcaster(queue_size=10)
        alice_all = hub.stream("alice")
        alice_sub2 = hub.stream("alice", subscription_ids=["sub-2"])
        bob = hub.stream("bob")
        assert hub.listener_count == 3
        reached = [
            hub.publish(make_alert(id="a1", owner="alice", subscription_id="sub-1")),
            hub.publish(make_alert(id="a2", owner="alice", subscription_id="sub-2")),
            hub.publish(make_alert(id="b1", owner="bob", subscription_id="sub-9")),
            hub.publish(make_alert(id="c1", owner="carol", subscription_id="sub-5")),
        ]
        got = {}
        for name, stream, count in (("alice_all", alice_all, 2), ("alice_sub2", alice_sub2, 1), ("bob", bob, 1)):
            assert await next_chunk(stream) == RETRY_HINT
            got[name] = [parse_event(await next_chunk(stream))["id"] for _ in range(count)]
        for stream in (alice_all, alice_sub2, bob):
            await stream.aclose()
        return reached, got, hub.listener_count

    reached, got, remaining = asyncio.run(run())
    assert reached == [1, 2, 1, 0]
    assert got == {"alice_all": ["a1", "a2"], "alice_sub2": ["a2"], "bob": ["b1"]}
    assert remaining == 0


def test_slow_client_is_dropped_and_counted_without_holding_back_the_others():
    async def run():
        hub = AlertBroadcaster(queue_size=2)
        fast, slow = hub.stream("alice"), hub.stream("alice")
        assert await next_chunk(fast) == RETRY_HINT
        received = []

        async def read_fast():
            while len(received) < 6:
                received.append(parse_event(await next_chunk(fast))["id"])

        reader = asyncio.create_task(read_fast())
        for n in range(6):
            hub.publish(make_alert(id=f"a{n}", owner="alice"))
            await asyncio.sleep(0.01)  # the fast client keeps up; the slow one never reads
        await asyncio.wait_for(reader, 2)
        slow_chunks = [chunk async for chunk in slow]
        await fast.aclose()
        return received, slow_chunks, hub

    received, slow_chunks, hub = asyncio.run(run())
    assert received == [f"a{n}" for n in range(6)]
    assert slow_chunks == [RETRY_HINT]  # dropped: its stream ends; it reconnects with Last-Event-ID
    assert hub.dropped == {"queue_full": 1}
    assert hub.listener_count == 0


def test_keepalive_comment_when_idle_and_no_alert_lost_after_it():
    async def run():
        hub = AlertBroadcaster(keepalive_seconds=0.05)
        stream = hub.stream("alice")
        chunks = [await next_chunk(stream), await next_chunk(stream)]
        hub.publish(make_alert(id="a1", owner="alice"))
        chunks.append(await next_chunk(stream))
        await stream.aclose()
        return chunks

    retry, keepalive, event = asyncio.run(run())
    assert (retry, keepalive) == (RETRY_HINT, KEEPALIVE)
    assert parse_event(event)["id"] == "a1"


def test_reconnect_with_last_event_id_replays_what_was_missed():
    async def run():
        hub = AlertBroadcaster(replay_size=10, keepalive_seconds=0.05)
        for alert_id, owner in (("a1", "alice"), ("b1", "bob"), ("a2", "alice"), ("a3", "alice")):
            hub.publish(make_alert(id=alert_id, owner=owner))
        resumed = hub.stream("alice", last_event_id="a1")
        resumed_chunks = [await next_chunk(resumed) for _ in range(3)]
        unknown = hub.stream("alice", last_event_id="not-kept")
        unknown_chunks = [await next_chunk(unknown) for _ in range(2)]
        await resumed.aclose()
        await unknown.aclose()
        return resumed_chunks, unknown_chunks

    resumed, unknown = asyncio.run(run())
    assert resumed[0] == RETRY_HINT
    assert [parse_event(c)["id"] for c in resumed[1:]] == ["a2", "a3"]
    assert unknown == [RETRY_HINT, KEEPALIVE]


def test_close_ends_every_stream():
    async def run():
        hub = AlertBroadcaster()
        streams = [hub.stream("alice"), hub.stream("bob")]
        hub.close()
        return [[chunk async for chunk in s] for s in streams], hub

    chunks, hub = asyncio.run(run())
    assert chunks == [[RETRY_HINT], [RETRY_HINT]]
    assert hub.dropped == {"shutdown": 2} and hub.listener_count == 0


def test_sse_channel_publishes_to_its_broadcaster():
    async def run():
        hub = AlertBroadcaster()
        channel = SseChannel(DeliverySettings(), broadcaster=hub)
        stream = hub.stream("analyst-1")
        result = await channel.deliver(make_alert(), "")
        await next_chunk(stream)
        event = parse_event(await next_chunk(stream))
        await stream.aclose()
        return result, event

    result, event = asyncio.run(run())
    assert (result.ok, result.status, result.channel) == (True, 1, "sse")
    assert event["data"]["title"] == make_alert()["title"]
