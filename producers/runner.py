"""``rasd produce …``: drive a source into a sink and print what was accepted and refused."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Iterable

from producers.publisher import MessageSink, PublishResult, RawItem, ReportPublisher
from producers.sources import JsonlFileSource, RssPoller, TelegramExportSource, WatchedFolderSource
from producers.sources.rss import FeedStateStore

log = logging.getLogger(__name__)


def summarise(result: PublishResult, dead_letter_topic: str) -> str:
    lines = [f"accepted {len(result.accepted)}, refused {len(result.refused)} (sent to {dead_letter_topic})"]
    lines += [f"  refused: {letter.stage} {letter.code}: {letter.message}" for letter in result.refused]
    lines += [f"  warning: {warning}" for warning in result.warnings]
    return "\n".join(lines)


def publish(sink: MessageSink, items: Iterable[RawItem]) -> PublishResult:
    return ReportPublisher(sink).publish(items)


def produce_file(sink: MessageSink, path: Path) -> PublishResult:
    return publish(sink, JsonlFileSource(path).items())


def produce_telegram(sink: MessageSink, path: Path) -> PublishResult:
    skipped: list[str] = []
    result = publish(sink, TelegramExportSource(path).items(skipped))
    result.warnings.extend(f"skipped message {s}" for s in skipped)
    return result


def produce_folder(sink: MessageSink, path: Path, *, once: bool, interval_s: float = 2.0) -> PublishResult:
    """Publish every ready file, move it to ``processed/``; repeat unless ``once``."""
    source = WatchedFolderSource(path)
    total = PublishResult()
    while True:
        for file in source.ready_files():
            result = publish(sink, source.items(file))
            source.mark_done(file)
            total.accepted += result.accepted
            total.refused += result.refused
            total.warnings += result.warnings
            log.info("folder file=%s accepted=%d refused=%d", file.name, len(result.accepted), len(result.refused))
        if once:
            return total
        time.sleep(interval_s)


def produce_rss(sink: MessageSink, urls: list[str], state_path: Path, *, once: bool,
                interval_s: float = 300.0) -> PublishResult:
    poller = RssPoller(urls, FeedStateStore(state_path), interval_s)
    total = PublishResult()
    while True:
        result = publish(sink, poller.poll_due())
        total.accepted += result.accepted
        total.refused += result.refused
        if once:
            return total
        time.sleep(min(30.0, interval_s))
