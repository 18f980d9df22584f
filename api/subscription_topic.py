"""Writes subscriptions to the compacted subscriptions topic and waits for the brokers' acknowledgement.

Key: the subscription id. Value: the subscription JSON (``Subscription.to_dict()``), or no value
(a tombstone) when it is deleted — the stream worker's table and the delivery worker's cache
both read it that way. Connects on first use, so the API starts without Kafka.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any, Protocol

from kafka import KafkaProducer
from kafka.errors import KafkaError

from delivery.exceptions import DeliveryError
from delivery.kafka_topics import ensure_subscriptions_topic
from rasd.errors import RasdError
from rasd.settings import Settings

log = logging.getLogger(__name__)

ACK_TIMEOUT_S = 15.0


class SubscriptionPublishError(RasdError):
    """Kafka did not take a subscription record; nothing was changed."""


class SubscriptionWriter(Protocol):
    """Sends one subscription record and blocks until it is acknowledged (call it from a thread)."""

    def put(self, subscription: dict[str, Any]) -> None: ...

    def delete(self, subscription_id: str) -> None: ...

    def close(self) -> None: ...


class KafkaSubscriptionWriter:
    """The Kafka side of :class:`SubscriptionWriter` (kafka-python, ``acks=all``)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()

    def _connect(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                try:
                    ensure_subscriptions_topic(self.settings)
                    self._producer = KafkaProducer(bootstrap_servers=self.settings.kafka_servers, acks="all",
                                                   retries=5, max_block_ms=10_000, request_timeout_ms=10_000)
                except (KafkaError, DeliveryError) as exc:
                    raise SubscriptionPublishError(f"cannot reach Kafka at {self.settings.kafka_bootstrap}: {exc}") from exc
                log.info("subscription writer connected topic=%s", self.settings.topics.subscriptions)
            return self._producer

    def _send(self, key: str, value: bytes | None) -> None:
        producer = self._connect()
        topic = self.settings.topics.subscriptions
        try:
            producer.send(topic, key=key.encode("utf-8"), value=value).get(timeout=ACK_TIMEOUT_S)
        except KafkaError as exc:
            raise SubscriptionPublishError(f"Kafka did not acknowledge the record for {key} on {topic}: {exc}") from exc

    def put(self, subscription: dict[str, Any]) -> None:
        self._send(str(subscription["id"]), json.dumps(subscription, ensure_ascii=False).encode("utf-8"))

    def delete(self, subscription_id: str) -> None:
        self._send(subscription_id, None)

    def close(self) -> None:
        with self._lock:
            if self._producer is not None:
                self._producer.close(timeout=5)
                self._producer = None
