"""Indexers: Kafka topics → Elasticsearch indices, idempotent and replayable."""
