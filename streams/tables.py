"""Faust tables holding the state of the core's stateful stages (JSON values, string keys).

Each table is co-partitioned with the topic of the agent that writes it, so a worker
restores exactly the state of the partitions it is given.
"""

from __future__ import annotations

from streams.app import app, settings

# Story index: one partition, like the `analysed` topic that feeds it.
stories = app.Table("stories", default=None, partitions=1, key_type=str)
# Escalation state per key ("k:governorate:Idlib" …), partitioned like `escalation_keys`.
escalation = app.Table("escalation", default=None, partitions=settings.topics.partitions, key_type=str)
# Per-subscription throttle state, partitioned like `enriched` and `signals`.
throttle = app.Table("throttle", default=None, partitions=settings.topics.partitions, key_type=str)
# Subscriptions, replicated to every worker.
subscriptions = app.GlobalTable("subscriptions", default=None, partitions=1, key_type=str)
