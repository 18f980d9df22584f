"""Stories: near-duplicates join one story; the enriched report goes on keyed by story, and to escalation by key.

Reports are taken in small batches (order kept: the topic has one partition) so the
escalation events of a batch travel in one message per partition, and the story
index's changes reach the changelog once per batch.
"""

from __future__ import annotations

import logging

from rasd.fastjson import loads
from rasd.stories import StoryIndex
from streams.app import app, settings
from streams.messages import dumps, escalation_event, group_events
from streams.tables import stories as stories_table
from streams.topics import analysed, enriched, escalation_keys
from streams.write_behind import WriteBehind

log = logging.getLogger(__name__)

BATCH_MAX = 64
BATCH_WITHIN_S = 0.01


@app.agent(analysed)
async def assign_stories(stream):
    state = WriteBehind(stories_table)
    index: StoryIndex | None = None
    partitions = settings.topics.partitions
    async for batch in stream.take(BATCH_MAX, within=BATCH_WITHIN_S):
        if index is None:  # the table is recovered once the stream runs
            index = StoryIndex(store=state)
        events = []
        for raw in batch:
            message = loads(raw)
            report = message["enriched"]
            fields = report["report"]
            story = index.assign(fields["id"], fields["text"], fields.get("published_at"), fields.get("source"),
                                 normalized=report.get("normalized_text") or None,
                                 encoded_signature=message.get("sig"))
            report.update(story_id=story.story_id, duplicate_of=story.duplicate_of, sources=list(story.sources))
            await enriched.send(key=story.story_id.encode("utf-8"), value=dumps(report))
            if message["keys"]:
                events.append((escalation_event(report), [tuple(key) for key in message["keys"]]))
        for partition, items in group_events(events, partitions).items():
            await escalation_keys.send(key=items[0]["event"]["id"].encode("utf-8"), value=dumps({"events": items}),
                                       partition=partition)
        state.flush()
        yield len(batch)
