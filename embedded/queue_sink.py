"""An in-process queue standing in for the reports and dead-letter topics."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Iterator, Literal


@dataclass(frozen=True, slots=True)
class Message:
    """One message as the publisher sent it: ``kind`` names the topic it would have gone to."""

    kind: Literal["report", "dead_letter"]
    key: bytes | None
    value: bytes


@dataclass
class QueueSink:
    """A :class:`producers.publisher.MessageSink` over one FIFO, so reports and refusals keep their order.

    Example:
        >>> sink = QueueSink()
        >>> sink.send_report(b"r1", '{"id": "r1", "text": "قصف على أريحا"}'.encode())
        >>> [m.kind for m in sink.drain()]
        ['report']
    """

    queue: deque[Message] = field(default_factory=deque)
    flushes: int = 0

    def send_report(self, key: bytes, value: bytes) -> None:
        self.queue.append(Message("report", key, value))

    def send_dead_letter(self, key: bytes | None, value: bytes) -> None:
        self.queue.append(Message("dead_letter", key, value))

    def flush(self) -> None:
        self.flushes += 1

    def drain(self) -> Iterator[Message]:
        """Take the queued messages, oldest first, until the queue is empty."""
        while self.queue:
            yield self.queue.popleft()
