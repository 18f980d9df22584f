"""Faust tables holding the state of the core's stateful stages (JSON values, string keys).

Each table is co-partitioned with the topic of the agent that writes it, so a worker
restores exactly the state of the partitions it is given.

Every write to a Faust table is a changelog message: the stages write through a
:class:`streams.write_behind.WriteBehind` flushed once per message or batch.
"""

from __future__ import annotations

from streams.app import app, settings

# Story index: one partition, like the `analysed` topic that feeds it. Written from a batch
# (`stream.take`), outside any one event, so the partition comes from the partitioner (always 0).
stories = app.Table("stories", default=None, partitions=1, key_type=str, use_partitioner=True)
# Escalation state per key ("k:governorate:Idlib" …), partitioned like `escalation_keys`.
escalation = app.Table("escalation", default=None, partitions=settings.topics.partitions, key_type=str)
# Per-subscription throttle state, partitioned like `enriched` and `signals`.
throttle = app.Table("throttle", default=None, partitions=settings.topics.partitions, key_type=str)
# Subscriptions, replicated to every worker.
subscriptions = app.GlobalTable("subscriptions", default=None, partitions=1, key_type=str)
