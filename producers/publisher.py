"""Where every producer's output is validated, keyed and sent: one path for all sources.

A source yields :class:`RawItem` objects; :class:`ReportPublisher` validates each
(schema, UTF-8, size, control characters), gives it a stable id, and sends it to the
reports topic keyed by that id — or, with the reason and the original bytes, to the
dead-letter topic. Nothing is dropped silently.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

from rasd.dead_letter import DeadLetter
from rasd.errors import InvalidReport
from rasd.schema import Report
from rasd.validate import decode_report_bytes, parse_published_at, validate_report

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawItem:
    """One item as read from a source: the original bytes, or an already-decoded object."""

    origin: str
    raw: bytes | None = None
    data: dict[str, Any] | None = None

    def original_bytes(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return json.dumps(self.data, ensure_ascii=False, default=str).encode("utf-8")


class MessageSink(Protocol):
    """Where validated reports and dead letters go (Kafka, or an in-process queue)."""

    def send_report(self, key: bytes, value: bytes) -> None: ...

    def send_dead_letter(self, key: bytes | None, value: bytes) -> None: ...

    def flush(self) -> None: ...


@dataclass
class PublishResult:
    accepted: list[str] = field(default_factory=list)
    refused: list[DeadLetter] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def validate_item(item: RawItem) -> Report:
    """Validate one raw item into a report (strict: control characters refused).

    Raises:
        InvalidReport: naming the broken rule.
    """
    data = item.data if item.data is not None else decode_report_bytes(item.raw or b"")
    return validate_report(data, strict_controls=True)


@dataclass
class ReportPublisher:
    """Validate, key and send the items of any source."""

    sink: MessageSink

    def publish(self, items: Iterable[RawItem]) -> PublishResult:
        result = PublishResult()
        for item in items:
            try:
                report = validate_item(item)
            except InvalidReport as exc:
                letter = DeadLetter(f"produce:{item.origin}", exc.code, exc.message, item.original_bytes())
                self.sink.send_dead_letter(item.origin.encode("utf-8"), letter.to_json_bytes())
                result.refused.append(letter)
                log.warning("report refused origin=%s code=%s message=%s", item.origin, exc.code, exc.message)
                continue
            if report.published_at is not None and parse_published_at(report.published_at) is None:
                result.warnings.append(f"{report.id}: unparseable published_at {report.published_at!r}")
            value = json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")
            self.sink.send_report(report.id.encode("utf-8"), value)
            result.accepted.append(report.id)
        self.sink.flush()
        log.info("published accepted=%d refused=%d warnings=%d", len(result.accepted), len(result.refused),
                 len(result.warnings))
        return result
