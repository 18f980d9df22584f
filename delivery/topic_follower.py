"""Follow every partition of one Kafka topic in a background thread, without a consumer group.

Two processes need every record of a topic rather than a share of it:

* the API, which pushes each alert to its own live SSE streams (``start="end"``: only what
  comes after it started), and
* the delivery worker, which keeps every subscription in memory (``start="beginning"``: the
  whole compacted topic, then each change).

Without a group there is no rebalance to wait for: partitions are assigned directly, and the
list is refreshed every few seconds, so a topic created later, or given more partitions, is
picked up (new partitions are read from their beginning). Records go to ``handle`` in the
follower's thread; the caller hands them on to its event loop if it needs to.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Literal

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from rasd.settings import Settings

log = logging.getLogger(__name__)

Start = Literal["beginning", "end"]


class TopicFollower:
    """Reads one topic from all its partitions and calls ``handle(record)`` for each record.

    Args:
        settings: Kafka address.
        topic: the topic to follow.
        handle: called in the follower's thread with each ``ConsumerRecord``.
        start: ``"end"`` to skip what is already there, ``"beginning"`` to read it all first.
        refresh_seconds: how often the partition list is refreshed.
        poll_ms: longest wait of one poll (also how quickly :meth:`stop` is noticed).
        reconnect_seconds: wait before reconnecting after Kafka failed.
    """

    def __init__(self, settings: Settings, topic: str, handle: Callable[[Any], None], *, start: Start = "end",
                 refresh_seconds: float = 5.0, poll_ms: int = 200, reconnect_seconds: float = 2.0):
        self.settings = settings
        self.topic = topic
        self.handle = handle
        self.start_at = start
        self.refresh_seconds = refresh_seconds
        self.poll_ms = poll_ms
        self.reconnect_seconds = reconnect_seconds
        self.records = 0
        self.handler_errors = 0
        self.error: str | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._sync_lock = threading.Lock()
        self._sync_requests: list[threading.Event] = []
        self._thread: threading.Thread | None = None
        self._positions: dict[TopicPartition, int] = {}
        self._positioned = False
        self._initial: threading.Event | None = None

    @property
    def ready(self) -> bool:
        """Positioned on every partition (and, from the beginning, caught up with what was there)."""
        return self._ready.is_set()

    def start(self) -> "TopicFollower":
        """Start the thread (once; later calls do nothing)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"follow-{self.topic}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end and wait up to ``timeout`` seconds for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_ready(self, timeout: float) -> bool:
        """Block until :attr:`ready` or ``timeout`` seconds; returns :attr:`ready`."""
        return self._ready.wait(timeout)

    def sync(self, timeout: float) -> bool:
        """Block until every record on the topic at the time of the call has been handled.

        Returns:
            False when that did not happen within ``timeout`` seconds.
        """
        done = threading.Event()
        with self._sync_lock:
            self._sync_requests.append(done)
        return done.wait(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            consumer = None
            try:
                consumer = KafkaConsumer(
                    bootstrap_servers=self.settings.kafka_servers, group_id=None, enable_auto_commit=False,
                    auto_offset_reset="latest" if self.start_at == "end" else "earliest",
                    allow_auto_create_topics=False, client_id=f"{self.settings.namespace}-follow-{self.topic}",
                )
                self.error = None
                self._follow(consumer)
            except KafkaError as exc:
                self.error = f"{type(exc).__name__}: {exc}"
                log.warning("follow_failed topic=%s retry_in=%.0fs error=%s", self.topic, self.reconnect_seconds,
                            self.error)
                self._stop.wait(self.reconnect_seconds)
            finally:
                if consumer is not None:
                    consumer.close()

    def _follow(self, consumer: KafkaConsumer) -> None:
        assigned: set[TopicPartition] = set()
        targets: list[tuple[threading.Event, dict[TopicPartition, int]]] = []
        next_refresh = 0.0
        while not self._stop.is_set():
            if time.monotonic() >= next_refresh:
                assigned |= self._assign(consumer, assigned)
                next_refresh = time.monotonic() + self.refresh_seconds
                if not self._positioned:
                    self._positioned = True
                    self._queue_initial_sync(consumer, assigned)
            with self._sync_lock:
                requests, self._sync_requests = self._sync_requests, []
            if requests:
                ends = consumer.end_offsets(sorted(assigned)) if assigned else {}
                targets.extend((event, ends) for event in requests)
            for batch in consumer.poll(timeout_ms=self.poll_ms).values():
                for record in batch:
                    self._dispatch(record)
            targets = [(event, ends) for event, ends in targets if not self._reached(consumer, event, ends)]
            if self._initial is not None and self._initial.is_set():
                self._initial = None
                self._mark_ready(assigned)

    def _queue_initial_sync(self, consumer: KafkaConsumer, assigned: set[TopicPartition]) -> None:
        """Ready at once from the end; from the beginning, once what is there now has been read."""
        for tp in assigned:  # resolve "latest"/"earliest" now, not at the first fetch; kept for reconnects
            self._positions[tp] = consumer.position(tp)
        if self.start_at == "end":
            self._mark_ready(assigned)
            return
        self._initial = threading.Event()
        with self._sync_lock:
            self._sync_requests.insert(0, self._initial)

    def _mark_ready(self, assigned: set[TopicPartition]) -> None:
        self._ready.set()
        log.info("follow_ready topic=%s partitions=%d start=%s records=%d", self.topic, len(assigned),
                 self.start_at, self.records)

    def _assign(self, consumer: KafkaConsumer, assigned: set[TopicPartition]) -> set[TopicPartition]:
        """Assign partitions not yet assigned: resumed where this follower left them, else at the start
        point (the end, on the first assignment of an ``"end"`` follower; the beginning otherwise)."""
        partitions = consumer.partitions_for_topic(self.topic) or set()
        new = {TopicPartition(self.topic, p) for p in partitions} - assigned
        if not new:
            return new
        consumer.assign(sorted(assigned | new))
        for tp in sorted(new):
            if tp in self._positions:
                consumer.seek(tp, self._positions[tp])
            elif self.start_at == "end" and not self._positioned:
                consumer.seek_to_end(tp)
            else:
                consumer.seek_to_beginning(tp)
        log.info("follow_assigned topic=%s partitions=%s", self.topic, sorted(tp.partition for tp in assigned | new))
        return new

    @staticmethod
    def _reached(consumer: KafkaConsumer, event: threading.Event, ends: dict[TopicPartition, int]) -> bool:
        if all(consumer.position(tp) >= end for tp, end in ends.items()):
            event.set()
            return True
        return False

    def _dispatch(self, record: Any) -> None:
        self.records += 1
        self._positions[TopicPartition(record.topic, record.partition)] = record.offset + 1
        try:
            self.handle(record)
        except Exception:  # noqa: BLE001 - one bad record must not stop the follower; counted and logged
            self.handler_errors += 1
            log.exception("follow_handler_failed topic=%s partition=%d offset=%d", self.topic, record.partition,
                          record.offset)
