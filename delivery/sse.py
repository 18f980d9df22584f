"""Server-sent events: alerts pushed to the browsers and scripts of their owner, in this process.

:class:`AlertBroadcaster` keeps one bounded queue per open stream. Publishing never waits: a
stream whose queue is full is dropped (and counted by reason), so one slow client cannot hold
back the others; it reconnects with ``Last-Event-ID`` and gets what it missed from a replay
buffer of recent alerts.

The API wraps :meth:`AlertBroadcaster.stream` in a streaming response::

    StreamingResponse(broadcaster.stream(owner, request.headers.get("last-event-id")),
                      media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Iterable

from delivery.base import Channel, DeliveryResult, DeliverySettings

log = logging.getLogger(__name__)

KEEPALIVE = b": keep-alive\n\n"
RETRY_MILLISECONDS = 3000


def format_sse(message: dict[str, Any]) -> bytes:
    """One SSE event: ``id:`` (the alert id), ``event:`` (``alert`` or ``digest``), ``data:`` JSON, blank line.

    Example: an alert ``{"id": "a1", "title": "اشتباكات في ريف حلب"}`` →
    ``b'id: a1\\nevent: alert\\ndata: {"id":"a1","title":"اشتباكات في ريف حلب"}\\n\\n'`` (UTF-8).
    """
    event = "digest" if message.get("kind") == "digest" else "alert"
    event_id = "".join(ch for ch in str(message.get("id", "")) if ch not in "\r\n\0")
    data = json.dumps(message, ensure_ascii=False, separators=(",", ":"), default=str)
    lines = [f"id: {event_id}", f"event: {event}"]
    lines.extend(f"data: {line}" for line in data.splitlines() or [""])
    return ("\n".join(lines) + "\n\n").encode("utf-8")


_CLOSED = object()


@dataclass(eq=False)
class Listener:
    """One open stream: who it is for and its queue.

    Attributes:
        owner: only this owner's alerts reach it.
        subscription_ids: only these subscriptions' alerts, or all of the owner's when None.
        closed_reason: why it was dropped (``queue_full``, ``shutdown``), None while open.
    """

    owner: str
    subscription_ids: frozenset[str] | None
    queue: asyncio.Queue = field(repr=False, default_factory=asyncio.Queue)
    closed_reason: str | None = None

    def wants(self, message: dict[str, Any]) -> bool:
        if message.get("owner") != self.owner:
            return False
        return self.subscription_ids is None or message.get("subscription_id") in self.subscription_ids


class AlertBroadcaster:
    """Fan-out of alerts to live SSE streams, filtered by owner and subscription.

    Args:
        queue_size: alerts buffered per stream before it is dropped.
        replay_size: recent alerts kept for ``Last-Event-ID`` resumption.
        keepalive_seconds: silence after which a comment line keeps proxies from closing the stream.
    """

    def __init__(self, queue_size: int = 100, replay_size: int = 1000, keepalive_seconds: float = 15.0):
        self.queue_size = queue_size
        self.keepalive_seconds = keepalive_seconds
        self._listeners: set[Listener] = set()
        self._recent: deque[dict[str, Any]] = deque(maxlen=replay_size)
        self.dropped: Counter[str] = Counter()
        self.published = 0

    @classmethod
    def from_settings(cls, settings: DeliverySettings) -> "AlertBroadcaster":
        return cls(settings.sse_queue_size, settings.sse_replay_size, settings.sse_keepalive_seconds)

    @property
    def listener_count(self) -> int:
        return len(self._listeners)

    def publish(self, message: dict[str, Any]) -> int:
        """Queue ``message`` for every matching stream without waiting.

        Returns:
            How many streams it was queued for.
        """
        self.published += 1
        self._recent.append(message)
        reached = 0
        for listener in list(self._listeners):
            if not listener.wants(message):
                continue
            try:
                listener.queue.put_nowait(message)
            except asyncio.QueueFull:
                self.drop(listener, "queue_full")
                continue
            reached += 1
        return reached

    def subscribe(self, owner: str, subscription_ids: Iterable[str] | None = None) -> Listener:
        """Open a listener (most callers want :meth:`stream`, which also closes it)."""
        ids = frozenset(subscription_ids) if subscription_ids is not None else None
        listener = Listener(owner=owner, subscription_ids=ids, queue=asyncio.Queue(maxsize=self.queue_size))
        self._listeners.add(listener)
        return listener

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    def drop(self, listener: Listener, reason: str) -> None:
        """Close a listener: its pending alerts are discarded and its stream ends."""
        if listener not in self._listeners:
            return
        self._listeners.discard(listener)
        listener.closed_reason = reason
        self.dropped[reason] += 1
        while not listener.queue.empty():
            listener.queue.get_nowait()
        listener.queue.put_nowait(_CLOSED)
        log.warning("sse_drop owner=%s reason=%s listeners=%d", listener.owner, reason, len(self._listeners))

    def close(self) -> None:
        """End every stream (process shutdown)."""
        for listener in list(self._listeners):
            self.drop(listener, "shutdown")

    def replay_after(self, listener: Listener, last_event_id: str | None) -> list[dict[str, Any]]:
        """The listener's alerts published after ``last_event_id`` (none if the id is unknown or absent)."""
        if not last_event_id:
            return []
        recent = list(self._recent)
        for position in range(len(recent) - 1, -1, -1):
            if str(recent[position].get("id")) == last_event_id:
                return [m for m in recent[position + 1:] if listener.wants(m)]
        return []

    def stream(self, owner: str, last_event_id: str | None = None,
               subscription_ids: Iterable[str] | None = None) -> AsyncIterator[bytes]:
        """SSE bytes for one client: a ``retry:`` hint, missed alerts, then live ones and keep-alives.

        The listener is registered at the call, so nothing published between this call and the
        first read is lost; it is removed when the generator is closed (client gone) or dropped.

        Args:
            owner: whose alerts to send.
            last_event_id: the client's ``Last-Event-ID`` header, to resume after a reconnect.
            subscription_ids: narrow the stream to these subscriptions.
        """
        listener = self.subscribe(owner, subscription_ids)
        missed = self.replay_after(listener, last_event_id)
        return self._iterate(listener, missed)

    async def _iterate(self, listener: Listener, missed: list[dict[str, Any]]) -> AsyncIterator[bytes]:
        pending: asyncio.Future | None = None
        try:
            yield f"retry: {RETRY_MILLISECONDS}\n\n".encode("ascii")
            for message in missed:
                yield format_sse(message)
            while True:
                if pending is None:
                    pending = asyncio.ensure_future(listener.queue.get())
                done, _ = await asyncio.wait({pending}, timeout=self.keepalive_seconds)
                if not done:
                    yield KEEPALIVE
                    continue
                item, pending = pending.result(), None
                if item is _CLOSED:
                    return
                yield format_sse(item)
        finally:
            if pending is not None:
                pending.cancel()
            self.unsubscribe(listener)


class SseChannel(Channel):
    """Publishes alerts to the process's :class:`AlertBroadcaster`; the target is not used.

    An alert published while its owner has no open stream is still kept for replay, so the
    delivery counts as done (``status`` = live streams reached).
    """

    name = "sse"

    def __init__(self, settings: DeliverySettings, broadcaster: AlertBroadcaster | None = None):
        super().__init__(settings)
        self.broadcaster = broadcaster or AlertBroadcaster.from_settings(settings)

    @classmethod
    def build(cls, settings: DeliverySettings, **resources: Any) -> "SseChannel":
        return cls(settings, broadcaster=resources.get("broadcaster"))

    async def deliver(self, alert: dict[str, Any], target: str) -> DeliveryResult:
        reached = self.broadcaster.publish(alert)
        return DeliveryResult(ok=True, attempts=1, status=reached, channel=self.name)
