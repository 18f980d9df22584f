"""The Kafka topics alerting writes to, created with explicit partitions before the first write.

The broker may create a topic on its first use, but with its default partition count and no
compaction: the subscriptions topic must be compacted (a subscription's latest record is its
state), so whoever writes or reads it first (the API or the delivery worker) creates it the
way the stream worker declares it (``streams/topics.py``: 1 partition, compacted).
"""

from __future__ import annotations

import logging

from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError, TopicAlreadyExistsError

from delivery.exceptions import DeliveryError
from rasd.settings import Settings

log = logging.getLogger(__name__)

SUBSCRIPTIONS_PARTITIONS = 1
COMPACTED = {"cleanup.policy": "compact"}


def alerts_dead_letter_topic(settings: Settings) -> str:
    """``<namespace>.alerts.dlq``: deliveries that failed for good."""
    return settings.topics.alerts_dead_letter


def ensure_topic(settings: Settings, name: str, partitions: int, configs: dict[str, str] | None = None) -> bool:
    """Create ``name`` unless it exists.

    Returns:
        True when this call created it.

    Raises:
        DeliveryError: Kafka cannot be reached or refuses the topic.
    """
    try:
        admin = KafkaAdminClient(bootstrap_servers=settings.kafka_servers, client_id=f"{settings.namespace}-topics")
    except KafkaError as exc:
        raise DeliveryError(f"cannot reach Kafka at {settings.kafka_bootstrap} to create {name}: {exc}") from exc
    try:
        if name in admin.list_topics():
            return False
        admin.create_topics({name: {"num_partitions": partitions, "replication_factor": 1,
                                    "configs": dict(configs or {})}}, wait_for_metadata=True)
        log.info("topic created name=%s partitions=%d configs=%s", name, partitions, configs or {})
        return True
    except TopicAlreadyExistsError:
        return False
    except KafkaError as exc:
        raise DeliveryError(f"Kafka refused to create topic {name}: {exc}") from exc
    finally:
        admin.close()


def ensure_subscriptions_topic(settings: Settings) -> bool:
    """The compacted subscriptions topic, as the stream worker declares it."""
    return ensure_topic(settings, settings.topics.subscriptions, SUBSCRIPTIONS_PARTITIONS, COMPACTED)
