"""Stories: near-duplicates join one story; the enriched report goes on keyed by story, and to escalation by key."""

from __future__ import annotations

import dataclasses
import json
import logging

from rasd.enrich import enriched_to_json_bytes
from rasd.escalation.detector import EscalationDetector
from rasd.schema import EnrichedReport
from rasd.stories import StoryIndex
from streams.app import app
from streams.tables import stories as stories_table
from streams.topics import analysed, enriched, escalation_keys

log = logging.getLogger(__name__)


@app.agent(analysed)
async def assign_stories(stream):
    index: StoryIndex | None = None
    keys_of = EscalationDetector.from_data(store={}).keys_for
    async for raw in stream:
        if index is None:  # the index writes its metadata: tables may only change inside the stream
            index = StoryIndex(store=stories_table)
        report = EnrichedReport.from_dict(json.loads(raw))
        story = index.assign(report.report.id, report.report.text, report.report.published_at, report.report.source)
        report = dataclasses.replace(report, story_id=story.story_id, duplicate_of=story.duplicate_of,
                                     sources=story.sources)
        value = enriched_to_json_bytes(report)
        await enriched.send(key=story.story_id.encode("utf-8"), value=value)
        for key_type, key in keys_of(report.analysis):
            await escalation_keys.send(key=f"{key_type}:{key}".encode("utf-8"), value=value)
        yield report.report.id
