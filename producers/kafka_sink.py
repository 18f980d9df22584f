"""The Kafka sink of the producers (kafka-python, acks=all, retries, compression)."""

from __future__ import annotations

from dataclasses import dataclass

from kafka import KafkaProducer
from kafka.errors import KafkaError

from producers.exceptions import ProducerError
from rasd.settings import Settings


@dataclass
class KafkaSink:
    """Sends reports and dead letters to their topics and waits for the brokers' acknowledgement."""

    settings: Settings
    producer: KafkaProducer

    @classmethod
    def connect(cls, settings: Settings) -> "KafkaSink":
        try:
            producer = KafkaProducer(
                bootstrap_servers=settings.kafka_servers,
                acks="all",
                retries=10,
                compression_type="gzip",
                linger_ms=5,
                max_request_size=2_000_000,
            )
        except KafkaError as exc:
            raise ProducerError(f"cannot reach Kafka at {settings.kafka_bootstrap}: {exc}") from exc
        return cls(settings, producer)

    def send_report(self, key: bytes, value: bytes) -> None:
        self._send(self.settings.topics.reports, key, value)

    def send_dead_letter(self, key: bytes | None, value: bytes) -> None:
        self._send(self.settings.topics.dead_letter, key, value)

    def _send(self, topic: str, key: bytes | None, value: bytes) -> None:
        try:
            self.producer.send(topic, key=key, value=value)
        except KafkaError as exc:
            raise ProducerError(f"Kafka refused a message for {topic}: {exc}") from exc

    def flush(self) -> None:
        try:
            self.producer.flush(timeout=60)
        except KafkaError as exc:
            raise ProducerError(f"Kafka did not acknowledge: {exc}") from exc

    def close(self) -> None:
        self.producer.close()
