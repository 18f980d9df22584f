"""Analysis agent: every report on the reports topic → enriched report, or dead letter."""

from __future__ import annotations

import logging

from rasd.analysis.analyzer import Analyzer
from rasd.enrich import DeadLetter, enrich_bytes, enriched_to_json_bytes
from streams.app import app
from streams.topics import dead_letter, enriched, reports

log = logging.getLogger(__name__)


@app.agent(reports)
async def analyse_reports(stream):
    """Analyse each report; the enriched report is keyed by its id (its story id later)."""
    analyzer = Analyzer.pretrained()
    async for key, raw in stream.items():
        result = enrich_bytes(raw, analyzer)
        if isinstance(result, DeadLetter):
            log.warning("report refused code=%s key=%s message=%s", result.code, key, result.message)
            await dead_letter.send(key=key, value=result.to_json_bytes())
            continue
        report_key = result.report.id.encode("utf-8")
        await enriched.send(key=report_key, value=enriched_to_json_bytes(result))
        yield result.report.id
