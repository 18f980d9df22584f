"""``rasd reindex``: replay a topic into a new versioned index, then switch the alias to it.

Used after a mapping change (replay the enriched topic) or a model change
(``--reanalyse``: replay the raw reports topic through the current analysis and
story detection, in this process). The live indexer keeps writing to the alias
meanwhile; after the switch a catch-up pass replays what arrived during the
rebuild. Every document has a deterministic ``_id``, so the overlap is harmless.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import sys
import time
from typing import Any, Callable, Iterator

from elasticsearch import AsyncElasticsearch
from kafka import KafkaConsumer, TopicPartition

from indexers.elasticsearch_sink import bulk_index, ensure_index
from indexers.exceptions import IndexingError
from indexers.templates import versioned_index
from rasd.schema import EnrichedReport
from rasd.search import report_document
from rasd.settings import Settings

log = logging.getLogger(__name__)
DocumentFn = Callable[[bytes], tuple[str, dict[str, Any]] | None]


def enriched_document(raw: bytes) -> tuple[str, dict[str, Any]] | None:
    enriched = EnrichedReport.from_dict(json.loads(raw))
    return enriched.report.id, report_document(enriched)


def reanalysing_document() -> DocumentFn:
    """Raw report → the current analysis and story detection → search document (refused reports skipped)."""
    from rasd.analysis.analyzer import Analyzer
    from rasd.dead_letter import DeadLetter
    from rasd.enrich import enrich_bytes
    from rasd.stories import StoryIndex

    analyzer, stories = Analyzer.pretrained(), StoryIndex()

    def document(raw: bytes) -> tuple[str, dict[str, Any]] | None:
        result = enrich_bytes(raw, analyzer)
        if isinstance(result, DeadLetter):
            return None
        story = stories.assign(result.report.id, result.report.text, result.report.published_at, result.report.source)
        result = dataclasses.replace(result, story_id=story.story_id, duplicate_of=story.duplicate_of,
                                     sources=story.sources)
        return result.report.id, report_document(result)

    return document


def end_offsets(settings: Settings, topic: str) -> dict[TopicPartition, int]:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_servers)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        return consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
    finally:
        consumer.close()


def read_range(settings: Settings, start: dict[TopicPartition, int], stop: dict[TopicPartition, int],
               batch: int = 500) -> Iterator[list[bytes]]:
    """The values between two offset maps, in batches (no consumer group: nothing is committed)."""
    todo = {tp: off for tp, off in stop.items() if off > start.get(tp, 0)}
    if not todo:
        return
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_servers, enable_auto_commit=False,
                             max_poll_records=batch)
    try:
        consumer.assign(list(todo))
        for tp in todo:
            consumer.seek(tp, start.get(tp, 0))
        while todo:
            chunk: list[bytes] = []
            for tp, records in consumer.poll(timeout_ms=1000).items():
                for record in records:
                    if tp in todo and record.offset < todo[tp]:
                        chunk.append(record.value)
                    if tp in todo and record.offset >= todo[tp] - 1:
                        del todo[tp]
                        consumer.pause(tp)
            if chunk:
                yield chunk
    finally:
        consumer.close()


async def index_values(client: AsyncElasticsearch, index: str, values: list[bytes], to_document: DocumentFn) -> int:
    docs = [doc for doc in map(to_document, values) if doc is not None]
    failures = await bulk_index(client, index, docs)
    for failure in failures:
        log.warning("reindex refused id=%s status=%s reason=%s", failure.doc_id, failure.status, failure.reason)
    return len(docs) - len(failures)


async def reindex(settings: Settings, *, reanalyse: bool = False, delete_old: bool = False, say=print) -> str:
    """Rebuild the reports index from Kafka and switch its alias; returns the new index name."""
    alias = settings.indices.reports
    topic = settings.topics.reports if reanalyse else settings.topics.enriched
    to_document = reanalysing_document() if reanalyse else enriched_document
    client = AsyncElasticsearch(settings.elasticsearch_url, request_timeout=60)
    try:
        current = await ensure_index(client, "reports", alias)
        version = int(current.rsplit("-v", 1)[1]) + 1 if "-v" in current else 2
        new = versioned_index(alias, version)
        if await client.indices.exists(index=new):
            raise IndexingError(f"{new} already exists; delete it or switch the alias by hand")
        await client.indices.create(index=new, wait_for_active_shards="1")
        snapshot = end_offsets(settings, topic)
        started, count = time.monotonic(), 0
        say(f"replaying {sum(snapshot.values())} messages of {topic} into {new}…")
        for values in read_range(settings, {}, snapshot):
            count += await index_values(client, new, values, to_document)
            say(f"  {count} documents", end="\r" if sys.stdout.isatty() else "\n")
        await client.indices.update_aliases(actions=[
            {"remove": {"index": current, "alias": alias}},
            {"add": {"index": new, "alias": alias, "is_write_index": True}},
        ])
        caught_up = 0
        for values in read_range(settings, snapshot, end_offsets(settings, topic)):
            caught_up += await index_values(client, new, values, to_document)
        await client.indices.refresh(index=new)
        say(f"{alias} → {new}: {count} documents replayed, {caught_up} caught up after the switch, "
            f"{time.monotonic() - started:.1f}s")
        if delete_old:
            await client.indices.delete(index=current)
            say(f"deleted {current}")
        return new
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rasd reindex", description=__doc__.split("\n\n")[0])
    parser.add_argument("--reanalyse", action="store_true",
                        help="replay the raw reports topic through the current analysis (after a model change)")
    parser.add_argument("--delete-old", action="store_true", help="delete the previous index after the switch")
    args = parser.parse_args(argv)
    try:
        asyncio.run(reindex(Settings.from_env(), reanalyse=args.reanalyse, delete_old=args.delete_old))
    except IndexingError as exc:
        print(f"rasd reindex: {exc}", file=sys.stderr)
        return 1
    return 0
