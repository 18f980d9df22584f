"""Where a raw report becomes an enriched report (or a dead letter): one step, framework-free.

The Faust agent, the embedded pipeline and the tests all call :func:`enrich_bytes`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from rasd.analysis.analyzer import Analyzer
from rasd.errors import InvalidReport
from rasd.schema import SCHEMA_VERSION, EnrichedReport, Report
from rasd.text.normalize import normalize_ar
from rasd.validate import decode_report_bytes, validate_report


@dataclass(frozen=True)
class DeadLetter:
    """A message refused by a stage, with the reason and the original bytes."""

    stage: str
    code: str
    message: str
    original: bytes
    report_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "stage": self.stage,
            "code": self.code,
            "message": self.message,
            "report_id": self.report_id,
            "original_b64": base64.b64encode(self.original).decode("ascii"),
            "failed_at": utc_now(),
        }

    def to_json_bytes(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False).encode("utf-8")


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def enrich_report(report: Report, analyzer: Analyzer, *, story_id: str | None = None,
                  duplicate_of: str | None = None, sources: tuple[str, ...] = ()) -> EnrichedReport:
    """Analyse a validated report and wrap it in the enriched envelope."""
    analysis = analyzer.analyze(report)
    return EnrichedReport(
        report=report,
        analysis=analysis,
        normalized_text=normalize_ar(report.text),
        story_id=story_id or report.id,
        duplicate_of=duplicate_of,
        sources=sources or ((report.source,) if report.source else ()),
        analyzed_at=utc_now(),
    )


def enrich_bytes(raw: bytes, analyzer: Analyzer) -> EnrichedReport | DeadLetter:
    """Validate and analyse one serialised report.

    Args:
        raw: a Kafka message value or JSONL line (UTF-8 JSON object).
        analyzer: the analyzer to use.

    Returns:
        The enriched report, or a :class:`DeadLetter` naming why the message was refused.
    """
    try:
        report = validate_report(decode_report_bytes(raw))
    except InvalidReport as exc:
        return DeadLetter("validate", exc.code, exc.message, raw)
    return enrich_report(report, analyzer)


def enriched_to_json_bytes(enriched: EnrichedReport) -> bytes:
    return json.dumps(enriched.to_dict(), ensure_ascii=False).encode("utf-8")
