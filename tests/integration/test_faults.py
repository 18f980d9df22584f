"""Faults on the real servers: a worker killed with SIGKILL, Elasticsearch stopped for 30 s.

Afterwards every report is indexed exactly once: the ids in the index are exactly the ids produced.
"""

from __future__ import annotations

import json
import signal
import time

from services.elasticsearch import ElasticsearchService
from services.local import run_command
from services.settings import ServicesSettings
from tests.integration.conftest import wait_for

TOWNS = ["سراقب", "معرة النعمان", "أريحا", "جسر الشغور", "كفرنبل", "خان شيخون", "الأتارب", "دارة عزة", "سرمدا", "حارم"]
KINDS = ["قصف مدفعي على", "غارات جوية على", "اشتباكات في محيط", "سقوط قذائف على", "انفجار عبوة ناسفة في"]


def _report(i: int) -> dict:
    town, kind = TOWNS[i % len(TOWNS)], KINDS[(i // len(TOWNS)) % len(KINDS)]
    text = (f"{kind} {town} في ريف إدلب صباح اليوم، وأفاد مراسلون بسماع دوي انفجارات متتالية. "
            f"التقرير رقم {i} من سلسلة تقارير المتابعة اليومية.")
    return {"id": f"fault-{i:03d}", "text": text, "source": "test", "published_at": f"2024-05-{1 + i % 28:02d}T10:00:00Z"}


def _produce(producer, settings, ids: range) -> None:
    for i in ids:
        report = _report(i)
        producer.send(settings.topics.reports, key=report["id"].encode(),
                      value=json.dumps(report, ensure_ascii=False).encode())
    producer.flush()


def _indexed_ids(es, alias: str) -> list[str]:
    response = es.options(ignore_status=(404, 503)).search(index=alias, query={"match_all": {}}, size=1000,
                                                           source=False)
    if response.meta.status != 200:
        return []
    return [hit["_id"] for hit in response.body["hits"]["hits"]]


def _count(es, alias: str) -> int:
    try:
        response = es.options(ignore_status=(404, 503), request_timeout=5).count(index=alias)
    except Exception:  # Elasticsearch is down on purpose during part of this test
        return -1
    return response.body.get("count", -1) if response.meta.status == 200 else -1


def test_worker_sigkill_and_elasticsearch_outage_lose_nothing_and_duplicate_nothing(
        settings, topics, producer, processes, es):
    alias = settings.indices.reports
    logs = lambda: processes.log_tail("worker") + "\n--- indexer ---\n" + processes.log_tail("indexer")
    processes.start("worker", "worker")
    processes.start("indexer", "index")

    _produce(producer, settings, range(0, 30))
    wait_for(lambda: _count(es, alias) >= 10, 180, "the first reports indexed", on_timeout=logs)

    # 1. SIGKILL the worker mid-stream, keep producing, restart it.
    processes.kill("worker", signal.SIGKILL)
    _produce(producer, settings, range(30, 50))
    processes.start("worker", "worker")
    wait_for(lambda: _count(es, alias) >= 50, 180, "all reports indexed after the worker restart", on_timeout=logs)

    # 2. Stop Elasticsearch for 30 s while reports keep coming, then start it again.
    es_service = ElasticsearchService(ServicesSettings.from_env())
    es_service.stop(grace=30.0)
    try:
        outage_started = time.monotonic()
        for start in range(50, 80, 5):
            _produce(producer, settings, range(start, start + 5))
            time.sleep(5)
        time.sleep(max(0.0, 30 - (time.monotonic() - outage_started)))
    finally:
        assert run_command("up", quiet=True) == 0, "Elasticsearch did not come back"
    wait_for(lambda: _count(es, alias) >= 80, 240, "all reports indexed after the Elasticsearch outage",
             on_timeout=logs)
    time.sleep(3)  # anything that would arrive twice arrives now
    es.indices.refresh(index=alias)

    ids = _indexed_ids(es, alias)
    expected = {f"fault-{i:03d}" for i in range(80)}
    assert len(ids) == len(set(ids)) == 80, f"{len(ids)} documents for 80 reports"
    assert set(ids) == expected
    assert processes.procs["indexer"].poll() is None, "the indexer died during the outage"
