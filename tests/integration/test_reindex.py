"""`rasd reindex` on the real servers: a replay into a new index, the alias switched, nothing lost or doubled."""

from __future__ import annotations

import asyncio
import json

from indexers.reindex import reindex
from tests.integration.conftest import wait_for

REPORTS = [
    {"id": "rx-1", "text": "قصف مدفعي على مدينة سراقب في ريف إدلب الشرقي", "published_at": "2024-01-01T08:00:00Z"},
    {"id": "rx-2", "text": "اشتباكات بين قسد وفصائل الجيش الوطني قرب منبج", "published_at": "2024-01-01T09:00:00Z"},
    {"id": "rx-3", "text": "مظاهرة في ساحة الكرامة بمدينة السويداء", "published_at": "2024-01-01T10:00:00Z"},
]


def _ids(es, index: str) -> list[str]:
    es.indices.refresh(index=index)
    return sorted(h["_id"] for h in es.search(index=index, query={"match_all": {}}, size=100).body["hits"]["hits"])


def test_reindex_replays_into_a_new_index_and_switches_the_alias(settings, topics, producer, processes, es):
    processes.start("worker", "worker")
    processes.start("indexer", "index")
    for report in REPORTS:
        producer.send(settings.topics.reports, key=report["id"].encode(),
                      value=json.dumps(report, ensure_ascii=False).encode())
    producer.flush()
    alias = settings.indices.reports
    wait_for(lambda: es.options(ignore_status=(404, 503)).count(index=alias).body.get("count") == 3, 180,
             "three reports indexed", on_timeout=lambda: processes.log_tail("worker"))
    old = next(iter(es.indices.get_alias(name=alias).body))

    for reanalyse, expected_index in ((False, f"{alias}-v2"), (True, f"{alias}-v3")):
        new = asyncio.run(reindex(settings, reanalyse=reanalyse, say=lambda *a, **k: None))
        assert new == expected_index
        assert list(es.indices.get_alias(name=alias).body) == [new]
        assert _ids(es, alias) == ["rx-1", "rx-2", "rx-3"]
        doc = es.get(index=alias, id="rx-1").body["_source"]
        assert "Idlib" in doc["governorates"] and doc["text_search"]
    assert _ids(es, old) == ["rx-1", "rx-2", "rx-3"], "the previous index is kept unless --delete-old"

    producer.send(settings.topics.reports, key=b"rx-4",
                  value=json.dumps({"id": "rx-4", "text": "غارات جوية على ريف حماة الشمالي"}, ensure_ascii=False).encode())
    producer.flush()
    wait_for(lambda: "rx-4" in _ids(es, alias), 60, "the live indexer writing to the new index")
