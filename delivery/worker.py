"""``rasd deliver``: the process that sends alerts from the alerts topic to webhooks and e-mail.

* Subscriptions: the whole compacted subscriptions topic is read into memory at start and
  followed afterwards (:class:`SubscriptionCache`); an alert whose subscription is not known yet
  waits for the cache to catch up with the topic's current end before it is given up.
* Alerts: consumer group ``<namespace>-delivery``; each polled batch is dispatched (alerts of one
  subscription in order, different subscriptions concurrently), then its offsets are committed —
  a crash re-delivers at most one batch, and receivers drop repeats by ``Idempotency-Key``.
* SSE is not delivered here: the API process streams every alert to its owner's open streams.
* Failures for good go to ``<namespace>.alerts.dlq`` with the reason and the whole alert.

Digests of throttled alerts live in memory until their window ends: a restart loses the
digest of the windows then open (the alerts themselves stay in the index and on the topic).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Mapping

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from delivery.base import DeliverySettings
from delivery.dead_letter import DeliveryDeadLetter
from delivery.dispatcher import Dispatcher
from delivery.exceptions import DeliveryConfigError, DeliveryError
from delivery.kafka_topics import alerts_dead_letter_topic, ensure_subscriptions_topic, ensure_topic
from delivery.registry import build_channels, find_missing_options
from delivery.throttle import Throttle
from delivery.topic_follower import TopicFollower
from rasd.errors import ConfigurationError
from rasd.schema import Subscription
from rasd.settings import Settings

log = logging.getLogger(__name__)

DISPATCHED_CHANNELS = ("webhook", "email")
CHANNELS_VARIABLE = "RASD_DELIVERY_CHANNELS"
SYNC_TIMEOUT_S = 5.0
READY_TIMEOUT_S = 60.0
FLUSH_INTERVAL_S = 1.0
MAX_POLL_INTERVAL_MS = 30 * 60 * 1000  # a batch may wait on retries with back-off


def choose_channels(settings: DeliverySettings, environ: Mapping[str, str] | None = None) -> list[str]:
    """The channels this process delivers: ``RASD_DELIVERY_CHANNELS`` (comma-separated), else every
    channel of :data:`DISPATCHED_CHANNELS` whose settings are present.

    Raises:
        DeliveryConfigError: a named channel is unknown or ``sse``, or no channel is configured.
    """
    env = os.environ if environ is None else environ
    raw = env.get(CHANNELS_VARIABLE, "").strip()
    if raw:
        names = list(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
        wrong = [n for n in names if n not in DISPATCHED_CHANNELS]
        if wrong:
            raise DeliveryConfigError(f"{CHANNELS_VARIABLE} may name {', '.join(DISPATCHED_CHANNELS)} (sse is served by "
                                      f"the API), got {', '.join(wrong)}")
        return names
    names = [n for n in DISPATCHED_CHANNELS if not find_missing_options(settings, [n])]
    if not names:
        raise DeliveryConfigError("nothing to deliver: set RASD_WEBHOOK_SECRET for webhooks and/or RASD_SMTP_HOST and "
                                  f"RASD_SMTP_FROM for e-mail (or name the channels in {CHANNELS_VARIABLE})")
    return names


def decode_subscription(key: bytes | None, value: bytes | None) -> tuple[str, dict[str, Any] | None]:
    """``(id, subscription dict)`` of one subscriptions-topic record; the dict is None for a tombstone.

    Raises:
        ValueError: the key is missing or the value is not a subscription.
    """
    if not key:
        raise ValueError("record without a key")
    sub_id = key.decode("utf-8")
    if value is None:
        return sub_id, None
    data = json.loads(value)
    if not isinstance(data, dict):
        raise ValueError(f"value is {type(data).__name__}, not an object")
    try:
        return sub_id, Subscription.from_dict({**data, "id": sub_id}).to_dict()
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a subscription: {exc}") from exc


class SubscriptionCache:
    """Every subscription by id, from the compacted topic (read whole at start, then followed)."""

    def __init__(self, settings: Settings):
        self._subscriptions: dict[str, dict[str, Any]] = {}
        self.refused = 0
        self.follower = TopicFollower(settings, settings.topics.subscriptions, self.apply, start="beginning")

    def apply(self, record: Any) -> None:
        """One record: store, replace, or (tombstone) forget a subscription; a malformed one is logged."""
        try:
            sub_id, subscription = decode_subscription(record.key, record.value)
        except ValueError as exc:
            self.refused += 1
            log.warning("subscription_refused partition=%d offset=%d error=%s", record.partition, record.offset, exc)
            return
        if subscription is None:
            self._subscriptions.pop(sub_id, None)
        else:
            self._subscriptions[sub_id] = subscription

    def get(self, subscription_id: str) -> dict[str, Any] | None:
        return self._subscriptions.get(subscription_id)

    def __len__(self) -> int:
        return len(self._subscriptions)

    async def lookup(self, subscription_id: str, sync_timeout: float = SYNC_TIMEOUT_S) -> dict[str, Any] | None:
        """The subscription; if unknown, after catching up with the topic (it may have just been created)."""
        found = self.get(subscription_id)
        if found is None:
            await asyncio.to_thread(self.follower.sync, sync_timeout)
            found = self.get(subscription_id)
        return found


@dataclass
class KafkaDeadLetterSink:
    """Sends each dead letter to ``<namespace>.alerts.dlq``, keyed by the alert id (flushed per batch)."""

    producer: KafkaProducer
    topic: str
    sent: int = 0

    async def record(self, dead_letter: DeliveryDeadLetter) -> None:
        self.producer.send(self.topic, key=dead_letter.key(), value=dead_letter.to_json_bytes())
        self.sent += 1


def select_channels(subscription: dict[str, Any]) -> dict[str, Any]:
    """The subscription with only the channels this process delivers (webhook, e-mail)."""
    return {**subscription, "channels": [c for c in subscription.get("channels") or ()
                                         if c.get("type") in DISPATCHED_CHANNELS]}


@dataclass
class BatchOutcome:
    """What happened to one polled batch (logged as one line)."""

    records: int = 0
    outcomes: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        return " ".join(f"{name}={count}" for name, count in sorted(self.outcomes.items())) or "none=0"


class DeliveryWorker:
    """Consumes the alerts topic and dispatches each alert to its subscription's webhook and e-mail channels.

    Args:
        settings: Kafka address, namespace, topic names.
        delivery: channel settings (webhook secret, SMTP relay, retries).
        channels: channels to enable (:func:`choose_channels`).
        batch_size: most alerts per poll.
        max_concurrent: most subscriptions dispatched at once within a batch.
    """

    def __init__(self, settings: Settings, delivery: DeliverySettings, channels: list[str], *,
                 batch_size: int = 100, max_concurrent: int = 32):
        self.settings = settings
        self.delivery = delivery
        self.channel_names = channels
        self.batch_size = batch_size
        self.cache = SubscriptionCache(settings)
        self.dead_letter_topic = alerts_dead_letter_topic(settings)
        self._slots = asyncio.Semaphore(max_concurrent)
        self._kafka = ThreadPoolExecutor(max_workers=1, thread_name_prefix="delivery-kafka")
        self._channels = build_channels(delivery, channels)  # fails fast, listing every missing option
        self.dispatcher: Dispatcher | None = None

    async def _call(self, fn, *args):
        """Run a kafka-python call on the one thread that owns the consumer."""
        return await asyncio.get_running_loop().run_in_executor(self._kafka, fn, *args)

    def _consumer(self) -> KafkaConsumer:
        consumer = KafkaConsumer(
            bootstrap_servers=self.settings.kafka_servers, group_id=f"{self.settings.namespace}-delivery",
            client_id=f"{self.settings.namespace}-delivery", enable_auto_commit=False,
            auto_offset_reset="earliest", max_poll_records=self.batch_size,
            max_poll_interval_ms=MAX_POLL_INTERVAL_MS, allow_auto_create_topics=False,
        )
        consumer.subscribe([self.settings.topics.alerts])
        return consumer

    def _prepare_topics(self) -> None:
        partitions = self.settings.topic_partitions
        ensure_topic(self.settings, self.settings.topics.alerts, partitions)
        ensure_topic(self.settings, self.dead_letter_topic, partitions)
        ensure_subscriptions_topic(self.settings)

    async def _wait_for_kafka(self, stop: asyncio.Event) -> None:
        """Create the topics, retrying with back-off while Kafka cannot be reached."""
        delay = 1.0
        while not stop.is_set():
            try:
                await self._call(self._prepare_topics)
                return
            except DeliveryError as exc:
                log.warning("kafka not ready retry_in=%.0fs error=%s", delay, exc)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                except asyncio.TimeoutError:
                    pass
                delay = min(delay * 2, 30.0)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; the batch in hand is finished and committed first."""
        await self._wait_for_kafka(stop)
        if stop.is_set():
            return
        self.cache.follower.start()
        if not await asyncio.to_thread(self.cache.follower.wait_ready, READY_TIMEOUT_S):
            log.warning("subscriptions not loaded after %.0fs; delivering anyway error=%s", READY_TIMEOUT_S,
                        self.cache.follower.error)
        producer = await self._call(lambda: KafkaProducer(bootstrap_servers=self.settings.kafka_servers, acks="all",
                                                          retries=5))
        dead_letters = KafkaDeadLetterSink(producer, self.dead_letter_topic)
        self.dispatcher = Dispatcher(self.delivery, self._channels, Throttle(), dead_letters=dead_letters)
        consumer = await self._call(self._consumer)
        flusher = asyncio.create_task(self.dispatcher.run_flusher(FLUSH_INTERVAL_S, stop))
        log.info("delivery started group=%s-delivery topic=%s channels=%s subscriptions=%d", self.settings.namespace,
                 self.settings.topics.alerts, ",".join(self.channel_names), len(self.cache))
        try:
            while not stop.is_set():
                batch = await self._call(lambda: consumer.poll(timeout_ms=500, max_records=self.batch_size))
                if not batch:
                    continue
                started = time.perf_counter()
                outcome = await self.handle_batch([r for part in batch.values() for r in part])
                await self._call(producer.flush)
                offsets = {tp: OffsetAndMetadata(part[-1].offset + 1, "", -1) for tp, part in batch.items()}
                try:
                    await self._call(consumer.commit, offsets)
                except KafkaError as exc:  # a rebalance took the partitions: the new owner re-delivers
                    log.warning("commit_failed error=%s", exc)
                log.info("batch delivered records=%d %s dead_letters=%d took_ms=%.0f", outcome.records,
                         outcome.summary(), dead_letters.sent, (time.perf_counter() - started) * 1000)
        finally:
            flusher.cancel()
            await self.dispatcher.aclose()
            await self._call(consumer.close)
            await self._call(producer.close)
            self.cache.follower.stop()
            self._kafka.shutdown(wait=False)

    async def handle_batch(self, records: list[Any]) -> BatchOutcome:
        """Dispatch a batch: one task per subscription, its alerts in order."""
        groups: dict[bytes | None, list[Any]] = {}
        for record in records:
            groups.setdefault(record.key, []).append(record)
        outcome = BatchOutcome(records=len(records))

        async def run_group(group: list[Any]) -> None:
            async with self._slots:
                for record in group:
                    for name in await self.handle(record):
                        outcome.outcomes[name] += 1

        await asyncio.gather(*(run_group(g) for g in groups.values()))
        return outcome

    async def handle(self, record: Any) -> list[str]:
        """Deliver one alert record; returns one outcome per channel, or why nothing was sent."""
        try:
            alert = json.loads(record.value)
            sub_id = str(alert["subscription_id"])
        except (TypeError, ValueError, KeyError) as exc:
            await self.dispatcher.dead_letters.record(DeliveryDeadLetter(
                channel="none", target="", code="undecodable", error=f"{type(exc).__name__}: {exc}", attempts=0,
                status=None, message={"raw": (record.value or b"").decode("utf-8", "replace")[:10_000]}))
            return ["undecodable"]
        subscription = await self.cache.lookup(sub_id)
        if subscription is None:
            log.info("alert skipped alert=%s subscription=%s reason=no_subscription", alert.get("id"), sub_id)
            return ["no_subscription"]
        if not subscription.get("active", True):
            return ["inactive"]
        selected = select_channels(subscription)
        if not selected["channels"]:
            return ["stream_only"]
        results = await self.dispatcher.dispatch(alert, selected)
        return [result.outcome for result in results]


async def run_until_signalled(worker: DeliveryWorker) -> None:
    """Run the worker until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await worker.run(stop)


def main(argv: list[str] | None = None) -> int:
    """``rasd deliver``: deliver alerts until interrupted; 2 when the settings are wrong."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("delivery").setLevel(logging.INFO)  # one line per batch and per delivery, even under `rasd`
    for noisy in ("kafka", "httpx"):  # one line per connection or request; the dispatcher logs each delivery
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
        delivery = DeliverySettings.from_env()
        worker = DeliveryWorker(settings, delivery, choose_channels(delivery))
    except ConfigurationError as exc:
        print(f"rasd deliver: {exc}", file=sys.stderr)
        return 2
    asyncio.run(run_until_signalled(worker))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
