"""Where a raw report becomes an enriched report (or a dead letter): one step, framework-free.

The Faust agent, the embedded pipeline and the tests all call :func:`enrich_bytes`.
"""

from __future__ import annotations


from rasd.analysis.analyzer import Analyzer
from rasd.errors import InvalidReport
from rasd.fastjson import dumps
from rasd.dead_letter import DeadLetter, utc_now
from rasd.schema import EnrichedReport, Report
from rasd.text.normalize import normalize_ar
from rasd.validate import decode_report_bytes, validate_report


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
    return dumps(enriched.to_dict())
