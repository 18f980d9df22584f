"""Analysis: every report → analysed (or dead letter). CPU-bound, so it runs on all partitions in parallel."""

from __future__ import annotations

import logging

import os

from rasd.analysis.analyzer import Analyzer, IdentityAnalyzer
from rasd.dead_letter import DeadLetter
from rasd.enrich import enrich_bytes, enriched_to_json_bytes
from streams.app import app
from streams.topics import analysed, dead_letter, reports

log = logging.getLogger(__name__)


@app.agent(reports)
async def analyse_reports(stream):
    """Validate and analyse each report; refused ones go to the dead-letter topic with the reason."""
    # RASD_ANALYSIS=identity runs the pipeline without analysis: the baseline of `make bench`.
    analyzer = IdentityAnalyzer() if os.environ.get("RASD_ANALYSIS") == "identity" else Analyzer.pretrained()
    async for key, raw in stream.items():
        result = enrich_bytes(raw, analyzer)
        if isinstance(result, DeadLetter):
            log.warning("report refused code=%s key=%s message=%s", result.code, key, result.message)
            await dead_letter.send(key=key, value=result.to_json_bytes())
            yield None
            continue
        await analysed.send(key=result.report.id.encode("utf-8"), value=enriched_to_json_bytes(result))
        yield result.report.id
