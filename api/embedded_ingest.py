"""``POST /reports`` in the embedded mode: each report through the pipeline of ``rasd run``, into the same file.

The producers' :class:`producers.publisher.ReportPublisher` validates and keys the reports as it
does for Kafka, but its sink here is the embedded pipeline (:class:`rasd.embedded.EmbeddedPipeline`):
an accepted report is analysed, joined to its story, counted for escalation, matched against the
subscriptions and stored before the answer is sent, so ``GET /reports/{id}`` finds it at once; a
refused one is kept as a dead letter. Requests are taken one at a time.

The pipeline keeps the stages' state (stories, escalation baselines, throttling) in memory from the
moment it is opened: do not run ``rasd run`` on the same file while the API ingests, or one will
overwrite the other's state.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Iterable

from api.exceptions import BackendUnavailable
from producers.publisher import PublishResult, RawItem, ReportPublisher
from rasd.embedded import EmbeddedPipeline, load_subscriptions, sample_subscriptions_file
from rasd.errors import ConfigurationError, DataError
from rasd.schema import Subscription
from rasd.store import SqliteStore

log = logging.getLogger(__name__)


class PipelineSink:
    """A :class:`producers.publisher.MessageSink` that runs each report through the embedded pipeline."""

    def __init__(self, pipeline: EmbeddedPipeline):
        self.pipeline = pipeline

    def send_report(self, key: bytes, value: bytes) -> None:
        self.pipeline.process(value)

    def send_dead_letter(self, key: bytes | None, value: bytes) -> None:
        self.pipeline.refuse(json.loads(value))

    def flush(self) -> None:
        self.pipeline.flush()


class SerialPublisher:
    """A publisher that takes one batch at a time (the pipeline's stages are not thread-safe)."""

    def __init__(self, publisher: ReportPublisher, lock: threading.Lock, path: Path):
        self.publisher, self.lock, self.path = publisher, lock, path

    def publish(self, items: Iterable[RawItem]) -> PublishResult:
        """Validate, analyse and store a batch (blocking: call it from a worker thread).

        Raises:
            BackendUnavailable: the database cannot be written (e.g. locked by another writer too long).
        """
        with self.lock:
            try:
                return self.publisher.publish(items)
            except sqlite3.Error as exc:
                raise BackendUnavailable(f"the embedded database {self.path.name} cannot be written: {exc}") from exc


def read_subscriptions(path: str | Path | None) -> tuple[Subscription, ...]:
    """The subscriptions the embedded ingest matches: a JSON file, or the bundled samples as ``rasd run`` takes.

    Raises:
        ConfigurationError: the file cannot be read or holds an invalid subscription (naming it).
    """
    try:
        return load_subscriptions(Path(path) if path else sample_subscriptions_file())
    except DataError as exc:
        raise ConfigurationError(f"RASD_EMBEDDED_SUBSCRIPTIONS: {exc}") from exc


class EmbeddedPublisherProvider:
    """Opens the pipeline over the embedded database on first use (the analyzer loads in about a second).

    Args:
        path: the SQLite file of ``rasd run``.
        subscriptions: the subscriptions to match (:func:`read_subscriptions`).
    """

    def __init__(self, path: str | Path, subscriptions: tuple[Subscription, ...] = ()):
        self.path = Path(path)
        self.subscriptions = subscriptions
        self._store: SqliteStore | None = None
        self._publisher: SerialPublisher | None = None
        self._lock = threading.Lock()

    def publisher(self) -> SerialPublisher:
        """The publisher over the pipeline (blocking on first use: call it from a worker thread).

        Raises:
            BackendUnavailable: the database cannot be opened.
        """
        with self._lock:
            if self._publisher is None:
                try:
                    self._store = SqliteStore(self.path)
                    pipeline = EmbeddedPipeline.open(self._store, self.subscriptions)
                except sqlite3.Error as exc:
                    raise BackendUnavailable(f"the embedded database {self.path.name} cannot be opened for "
                                             f"writing: {exc}") from exc
                self._publisher = SerialPublisher(ReportPublisher(PipelineSink(pipeline)), threading.Lock(),
                                                  self.path)
                log.info("embedded ingest ready db=%s subscriptions=%d", self.path, len(self.subscriptions))
            return self._publisher

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
                self._publisher = None
