"""Kafka topics of the worker, declared once with explicit partition counts.

Values are raw bytes holding the JSON of :mod:`rasd.schema` objects: the schema is
declared once in the core, not again as Faust records. Keys are report ids (or
story ids), so one story stays on one partition.
"""

from __future__ import annotations

from streams.app import app, settings

_topics = settings.topics

reports = app.topic(_topics.reports, key_type=bytes, value_type=bytes, value_serializer="raw",
                    key_serializer="raw", partitions=_topics.partitions)
enriched = app.topic(_topics.enriched, key_type=bytes, value_type=bytes, value_serializer="raw",
                     key_serializer="raw", partitions=_topics.partitions)
dead_letter = app.topic(_topics.dead_letter, key_type=bytes, value_type=bytes, value_serializer="raw",
                        key_serializer="raw", partitions=_topics.partitions)
