"""``rasd run``: the bundled samples (and any JSONL files) through every stage, in one process.

Sources are read by the producers' JSONL source and validated by their
publisher into an in-process queue; the core pipeline (:mod:`rasd.embedded`)
drains the queue batch by batch into SQLite; then each stage's account is
written to standard output, with progress on standard error.
"""

from __future__ import annotations

import itertools
import json
import logging
import sys
import time
from pathlib import Path
from typing import TextIO

from embedded.progress import Progress
from embedded.queue_sink import QueueSink
from embedded.summary import RunSummary, show_path, write_summary
from producers.exceptions import ProducerError
from producers.publisher import ReportPublisher
from producers.sources.jsonl import JsonlFileSource
from rasd.embedded import EmbeddedPipeline, load_subscriptions, sample_report_files, sample_subscriptions_file
from rasd.errors import RasdError
from rasd.store import SqliteStore

log = logging.getLogger(__name__)

DEFAULT_DB = Path(".rasd") / "embedded.sqlite"
BATCH_SIZE = 200


def open_store(db: str | Path | None, *, fresh: bool) -> SqliteStore:
    """The SQLite store at ``db`` (default ``.rasd/embedded.sqlite``; ``":memory:"`` for none), emptied if ``fresh``."""
    path = Path(db) if db is not None else DEFAULT_DB
    if str(path) == ":memory:":
        return SqliteStore()
    path.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        for stale in (path, path.with_name(path.name + "-journal")):
            stale.unlink(missing_ok=True)
    return SqliteStore(path)


def process_file(path: Path, publisher: ReportPublisher, sink: QueueSink, pipeline: EmbeddedPipeline,
                 summary: RunSummary, progress: Progress) -> None:
    """Publish one JSONL file batch by batch through the queue into the pipeline."""
    items = JsonlFileSource(path).items()
    while batch := list(itertools.islice(items, BATCH_SIZE)):
        result = publisher.publish(batch)
        summary.warnings.extend(result.warnings)
        for message in sink.drain():
            if message.kind == "report":
                outcome = pipeline.process(message.value)
            else:
                outcome = pipeline.refuse(json.loads(message.value))
            summary.observe(outcome)
            progress.update(accepted=outcome.enriched is not None)
        pipeline.flush()


def run_embedded(inputs: list[str], *, db: str | Path | None = None, fresh: bool = False,
                 subscriptions: str | Path | None = None, samples: bool = True, show: int = 40,
                 out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the whole pipeline on the bundled samples and the given JSONL files; print what each stage did.

    Args:
        inputs: extra JSONL files of reports (one JSON object per line).
        db: the SQLite file (default ``.rasd/embedded.sqlite``; ``":memory:"`` keeps nothing).
        fresh: delete the SQLite file first; otherwise the run continues the stored state.
        subscriptions: a JSON file of subscriptions (default: the bundled samples).
        samples: include the bundled sample reports.
        show: how many reports, refusals and alerts per subscription to show in full.
        out, err: where the account and the progress go (standard output and error).

    Returns:
        The exit code: 0, or 2 when an input, the subscriptions or the database cannot be used.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    paths = (sample_report_files() if samples else []) + [Path(p) for p in inputs]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        err.write(f"rasd run: cannot read {', '.join(missing)}\n")
        return 2
    if not paths:
        err.write("rasd run: no input (give JSONL files, or leave out --no-samples)\n")
        return 2
    subscriptions_path = Path(subscriptions) if subscriptions else sample_subscriptions_file()
    try:
        book = load_subscriptions(subscriptions_path)
        store = open_store(db, fresh=fresh)
    except (RasdError, OSError) as exc:
        err.write(f"rasd run: {exc}\n")
        return 2
    held = store.count("reports")
    out.write("rasd run — the whole pipeline in one process: no Kafka, no Elasticsearch\n"
              "رصد: سلسلة المعالجة كاملة في عملية واحدة\n\n")
    replay = " (held {held} reports: replayed reports keep their story and count once for escalation)"
    out.write(f"    store          {show_path(store.path)}{replay.format(held=held) if held else ' (empty)'}\n")
    out.write(f"    inputs         {', '.join(show_path(p) for p in paths)}\n")
    out.write(f"    subscriptions  {len(book)} from {show_path(subscriptions_path)}\n")
    out.flush()
    started = time.perf_counter()
    try:
        pipeline = EmbeddedPipeline.open(store, book)
        loaded = time.perf_counter()
        sink = QueueSink()
        publisher = ReportPublisher(sink)
        summary = RunSummary(show=show)
        progress = Progress(err)
        for path in paths:
            process_file(path, publisher, sink, pipeline, summary, progress)
        progress.finish()
        took = time.perf_counter() - loaded
        timing = (f"models loaded in {loaded - started:.1f} s, {summary.lines} lines through every stage in "
                  f"{took:.1f} s ({took * 1000 / max(summary.lines, 1):.0f} ms per line)")
        write_summary(summary, store, out, subscriptions=book, timing=timing)
    except ProducerError as exc:
        err.write(f"rasd run: {exc}\n")
        return 2
    finally:
        store.close()
    log.info("run lines=%d accepted=%d signals=%d alerts=%d", summary.lines, len(summary.accepted_ids),
             len(summary.fired), len(summary.alerts))
    return 0
