"""Backbone, end to end on the real servers: kafka-python → Faust worker → indexer → Elasticsearch."""

from __future__ import annotations

import json

from kafka.admin import KafkaAdminClient

from rasd.search import search_form
from tests.integration.conftest import SEED, fetch_doc, wait_for


def _seed_report() -> dict:
    text = SEED.read_text(encoding="utf-8")
    return {"id": "sohr-2018-08-idlib-negotiations", "text": text, "source": "SOHR",
            "published_at": "2018-08-20T12:00:00+00:00", "title": text.split("\n", 1)[0]}


def test_topics_are_created_with_explicit_partitions(settings, topics):
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_servers)
    try:
        described = {t["name"]: len(t["partitions"]) for t in admin.describe_topics(topics)}
    finally:
        admin.close()
    assert described == {name: settings.topics.partitions_of(name) for name in topics}
    assert described[settings.topics.reports] == settings.topics.partitions == 3


def test_seed_report_is_analysed_by_faust_indexed_and_found_by_arabic_query(settings, topics, producer, processes, es):
    processes.start("worker", "worker")
    processes.start("indexer", "index")
    report = _seed_report()
    producer.send(settings.topics.reports, key=report["id"].encode(), value=json.dumps(report, ensure_ascii=False).encode())
    producer.flush()

    alias = settings.indices.reports
    doc = wait_for(
        lambda: fetch_doc(es, alias, report["id"]),
        timeout=180, what=f"the seed report in {alias}",
        on_timeout=lambda: processes.log_tail("worker") + "\n---\n" + processes.log_tail("indexer"),
    )
    assert doc["text"] == report["text"]
    assert doc["event_types"], "the analysis found no event type in the seed report"

    # The index template (not dynamic mapping) shaped the index.
    mapping = es.indices.get_mapping(index=alias).body
    properties = next(iter(mapping.values()))["mappings"]["properties"]
    assert properties["locations"]["type"] == "geo_point"
    assert properties["actor_ids"]["type"] == "keyword"

    es.indices.refresh(index=alias)
    for query in ("ادلب", "تحرير الشام", "جبال اللاذقية"):  # bare forms find إدلب, وهيئة تحرير الشام, لجبال اللاذقية
        hits = es.search(index=alias, query={"match_phrase": {"text_search": search_form(query)}}).body["hits"]["hits"]
        assert [h["_id"] for h in hits] == [report["id"]], f"Arabic query {query!r} did not find the seed report"
    # A phrase the report does not hold finds nothing: the query is not trivially true.
    misses = es.search(index=alias, query={"match_phrase": {"text_search": search_form("دير الزور")}}).body["hits"]["hits"]
    assert misses == []
