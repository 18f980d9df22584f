"""Deliveries that failed for good: kept with the reason and the whole message, so none is lost.

The dispatcher hands each one to a :class:`DeadLetterSink`; the pipeline's sink sends it to the
delivery dead-letter topic (``to_json_bytes()`` keyed by ``key()``), tests use :class:`MemoryDeadLetterSink`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from rasd.dead_letter import utc_now
from rasd.schema import SCHEMA_VERSION


@dataclass(frozen=True)
class DeliveryDeadLetter:
    """One message that could not be delivered on one channel.

    Attributes:
        channel: ``webhook``, ``sse`` or ``email``.
        target: the URL, address or stream it was meant for (kept whole, so it can be replayed).
        code: ``gave_up`` (retries exhausted), ``rejected`` (a final refusal such as HTTP 4xx or SMTP 5xx),
            ``refused`` (target not allowed), ``unavailable`` (channel not configured), ``error`` (a bug).
        error: the last error message.
        attempts: tries made.
        status: the receiver's last code, if any.
        message: the alert or digest dict that was not delivered.
    """

    channel: str
    target: str
    code: str
    error: str
    attempts: int
    status: int | None
    message: dict[str, Any] = field(default_factory=dict)

    def key(self) -> bytes:
        """Kafka key: the alert (or digest) id, so all failures of one alert land in one partition."""
        return str(self.message.get("id", "")).encode("utf-8")

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "stage": f"delivery.{self.channel}",
            "code": self.code,
            "error": self.error,
            "channel": self.channel,
            "target": self.target,
            "attempts": self.attempts,
            "status": self.status,
            "alert_id": self.message.get("id"),
            "subscription_id": self.message.get("subscription_id"),
            "message": self.message,
            "failed_at": utc_now(),
        }

    def to_json_bytes(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, default=str).encode("utf-8")


class DeadLetterSink(Protocol):
    """Where failed deliveries go (a Kafka topic in the pipeline, a list in tests)."""

    async def record(self, dead_letter: DeliveryDeadLetter) -> None: ...


@dataclass
class MemoryDeadLetterSink:
    """In-process sink: keeps every dead letter in order."""

    dead_letters: list[DeliveryDeadLetter] = field(default_factory=list)

    async def record(self, dead_letter: DeliveryDeadLetter) -> None:
        self.dead_letters.append(dead_letter)
