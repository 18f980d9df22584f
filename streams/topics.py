"""Kafka topics of the worker, declared once with explicit partition counts.

Values are raw bytes holding the JSON of :mod:`rasd.schema` objects: the schema is
declared once in the core, not again as Faust records.

    reports (N, key report id)  → analysis (parallel)
    analysed (1, internal)      → stories: near-duplicates need every report in one place
    enriched (N, key story id)  → matching;  escalation-keys (N, key "governorate:Idlib") → escalation
    signals (N, key signal key) → matching;  subscriptions (1, compacted) → subscriptions table
    alerts (N, key subscription id);  reports.dlq: what any stage refused, with the reason
"""

from __future__ import annotations

from streams.app import app, settings

_topics = settings.topics
_N = _topics.partitions


def _raw_topic(name: str, partitions: int, **kwargs):
    return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
                     partitions=partitions, **kwargs)


reports = _raw_topic(_topics.reports, _N)
analysed = _raw_topic(f"{settings.namespace}.reports.analysed", 1, internal=True)
enriched = _raw_topic(_topics.enriched, _N)
escalation_keys = _raw_topic(f"{settings.namespace}.escalation.keys", _N, internal=True)
signals = _raw_topic(_topics.signals, _N)
subscriptions = _raw_topic(_topics.subscriptions, 1, compacting=True)
alerts = _raw_topic(_topics.alerts, _N)
dead_letter = _raw_topic(_topics.dead_letter, _N)
