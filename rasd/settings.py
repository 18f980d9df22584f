"""One settings object per process, read from ``RASD_*`` environment variables.

Topic and index names are declared here once; producers, stream processors,
indexers, the API, docker-compose.yml and the tests all read them from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Mapping

from rasd.errors import ConfigurationError


@dataclass(frozen=True)
class Topics:
    """Kafka topic names (``<namespace>.reports`` …) and their partition count."""

    namespace: str = "rasd"
    partitions: int = 4

    @property
    def reports(self) -> str:
        return f"{self.namespace}.reports"

    @property
    def enriched(self) -> str:
        return f"{self.namespace}.reports.enriched"

    @property
    def dead_letter(self) -> str:
        return f"{self.namespace}.reports.dlq"

    @property
    def signals(self) -> str:
        return f"{self.namespace}.signals"

    @property
    def alerts(self) -> str:
        return f"{self.namespace}.alerts"

    @property
    def subscriptions(self) -> str:
        return f"{self.namespace}.subscriptions"

    @property
    def index_dead_letter(self) -> str:
        return f"{self.namespace}.index.dlq"

    @property
    def alerts_dead_letter(self) -> str:
        return f"{self.namespace}.alerts.dlq"

    def all(self) -> tuple[str, ...]:
        return (self.reports, self.enriched, self.dead_letter, self.signals, self.alerts,
                self.subscriptions, self.index_dead_letter, self.alerts_dead_letter)

    def partitions_of(self, topic: str) -> int:
        """Partition count of a topic: the compacted subscriptions topic has one, the others ``partitions``."""
        return 1 if topic == self.subscriptions else self.partitions

    def config_of(self, topic: str) -> dict[str, str]:
        """Topic-level configuration to create a topic with (compaction for subscriptions)."""
        return {"cleanup.policy": "compact"} if topic == self.subscriptions else {}


@dataclass(frozen=True)
class Indices:
    """Elasticsearch aliases (``<namespace>-reports`` …); each points at a versioned index."""

    namespace: str = "rasd"

    @property
    def reports(self) -> str:
        return f"{self.namespace}-reports"

    @property
    def signals(self) -> str:
        return f"{self.namespace}-signals"

    @property
    def alerts(self) -> str:
        return f"{self.namespace}-alerts"

    def all(self) -> tuple[str, ...]:
        return (self.reports, self.signals, self.alerts)


@dataclass(frozen=True)
class Settings:
    """Process settings.

    Attributes:
        kafka_bootstrap: ``host:port[,host:port]`` of the Kafka brokers (``RASD_KAFKA_BOOTSTRAP``).
        elasticsearch_url: URL of Elasticsearch (``RASD_ELASTICSEARCH_URL``).
        namespace: prefix of every topic, index and consumer group (``RASD_NAMESPACE``), so
            several deployments (or test runs) share one cluster without touching each other.
        worker_web_port: port of the Faust worker's web endpoint (``RASD_WORKER_WEB_PORT``).
        topic_partitions: partitions of every rasd topic (``RASD_TOPIC_PARTITIONS``).
    """

    kafka_bootstrap: str = "127.0.0.1:9092"
    elasticsearch_url: str = "http://127.0.0.1:9200"
    namespace: str = "rasd"
    worker_web_port: int = 6066
    topic_partitions: int = 4
    topics: Topics = field(default_factory=Topics)
    indices: Indices = field(default_factory=Indices)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Build settings from ``RASD_*`` variables, then keyword overrides (CLI flags).

        Raises:
            ConfigurationError: a value has the wrong form.
        """
        env = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            if f.name in ("topics", "indices"):
                continue
            raw = env.get(f"RASD_{f.name.upper()}")
            if raw is None:
                continue
            if f.type in ("int", int):
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise ConfigurationError(f"RASD_{f.name.upper()} must be an integer, got {raw!r}") from exc
            else:
                values[f.name] = raw
        # The local services (`rasd services`) are placed by port; follow them when no URL is given.
        if "kafka_bootstrap" not in values and env.get("RASD_KAFKA_PORT"):
            values["kafka_bootstrap"] = f"127.0.0.1:{env['RASD_KAFKA_PORT']}"
        if "elasticsearch_url" not in values and env.get("RASD_ES_PORT"):
            values["elasticsearch_url"] = f"http://127.0.0.1:{env['RASD_ES_PORT']}"
        values.update({k: v for k, v in overrides.items() if v is not None})
        partitions = values.get("topic_partitions", cls.topic_partitions)
        if partitions < 1:
            raise ConfigurationError("RASD_TOPIC_PARTITIONS must be at least 1")
        namespace = values.get("namespace", cls.namespace)
        if not namespace or not all(c.isalnum() or c in "-_" for c in namespace) or namespace != namespace.lower():
            raise ConfigurationError(f"RASD_NAMESPACE must be lower-case letters, digits, '-' or '_', got {namespace!r}")
        values["topics"] = Topics(namespace=namespace, partitions=partitions)
        values["indices"] = Indices(namespace=namespace)
        return cls(**values)

    @property
    def app_id(self) -> str:
        """Faust application id, also the consumer-group prefix."""
        return self.namespace

    @property
    def kafka_servers(self) -> list[str]:
        return [s.strip() for s in self.kafka_bootstrap.split(",") if s.strip()]
