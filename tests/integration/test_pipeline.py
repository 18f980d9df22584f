"""The streaming pipeline on the real servers: produce → Faust (analysis, stories, escalation, matching) → Elasticsearch."""

from __future__ import annotations

import json
import time

from elasticsearch import Elasticsearch

from tests.integration.conftest import SEED, fetch_doc, wait_for


def _send(producer, topic: str, key: str, value: dict) -> None:
    producer.send(topic, key=key.encode(), value=json.dumps(value, ensure_ascii=False).encode())


def _search_all(es: Elasticsearch, alias: str, query: dict | None = None) -> list[dict]:
    response = es.options(ignore_status=(404, 503)).search(index=alias, query=query or {"match_all": {}}, size=500)
    if response.meta.status != 200:
        return []
    return [hit["_source"] for hit in response.body["hits"]["hits"]]


def _start_pipeline(processes) -> None:
    processes.start("worker", "worker")
    processes.start("indexer", "index")


def _logs(processes) -> str:
    return processes.log_tail("worker") + "\n--- indexer ---\n" + processes.log_tail("indexer")


def test_seed_report_end_to_end_with_a_matching_subscription(settings, topics, producer, processes, es):
    _start_pipeline(processes)
    subscription = {"id": "sub-hts-idlib", "owner": "analyst", "name": "HTS or TIP in Idlib",
                    "actors": ["hts", "tip"], "governorates": ["Idlib"], "min_severity": "medium"}
    unrelated = {"id": "sub-daraa", "owner": "desk", "name": "Daraa", "governorates": ["Daraa"]}
    _send(producer, settings.topics.subscriptions, subscription["id"], subscription)
    _send(producer, settings.topics.subscriptions, unrelated["id"], unrelated)
    producer.flush()
    time.sleep(2)  # let the worker load the subscriptions before the report arrives
    text = SEED.read_text(encoding="utf-8")
    report = {"id": "sohr-seed", "text": text, "source": "SOHR", "published_at": "2018-08-25T09:00:00+00:00",
              "title": text.split("\n", 1)[0]}
    _send(producer, settings.topics.reports, report["id"], report)
    producer.flush()

    doc = wait_for(lambda: fetch_doc(es, settings.indices.reports, "sohr-seed"), 180, "the seed report indexed",
                   on_timeout=lambda: _logs(processes))
    assert {"hts", "tip", "syr-gov-forces", "tur-forces"} <= set(doc["actor_ids"])
    assert "Idlib" in doc["governorates"] and "Latakia" in doc["governorates"]
    assert "military_buildup" in doc["event_types"]
    assert doc["escalatory"] is True and doc["locations"], "places must carry coordinates for the map"

    alerts = wait_for(lambda: _search_all(es, settings.indices.alerts, {"term": {"report_id": "sohr-seed"}}), 60,
                      "an alert for the seed report", on_timeout=lambda: _logs(processes))
    assert [a["subscription_id"] for a in alerts] == ["sub-hts-idlib"]
    assert alerts[0]["reasons"], "an alert must say why it matched"


DARAA_BURST = [
    "قصفت قوات النظام بالمدفعية الثقيلة مدينة نوى في ريف درعا الغربي صباح اليوم، ما أدى إلى مقتل مدنيين اثنين.",
    "شنت طائرات حربية غارات جوية على بلدة طفس بريف درعا، وسط حالة من الهلع بين الأهالي ونزوح عشرات العائلات.",
    "اندلعت اشتباكات عنيفة بين مسلحين محليين وعناصر الأمن العسكري في مدينة جاسم شمال درعا استمرت لساعات.",
    "سقطت قذائف هاون على حي درعا البلد مساء اليوم وأصيب ثلاثة أطفال بجروح متفاوتة نقلوا إلى المشفى الوطني.",
    "استهدفت راجمات الصواريخ أطراف بلدة اليادودة غرب مدينة درعا بعشرات الصواريخ من نوع غراد.",
]
DARAA_SECOND_BURST = [
    "تجدد القصف المدفعي على مدينة داعل في ريف درعا الأوسط بعد ظهر اليوم دون ورود أنباء عن إصابات.",
    "انفجرت عبوة ناسفة بسيارة عسكرية على طريق إنخل في ريف درعا الشمالي ما أدى لتدمير السيارة.",
    "دارت مواجهات بالأسلحة الخفيفة قرب بلدة الحراك في ريف درعا الشرقي بين مجموعتين مسلحتين.",
]
HOMS_QUIET = [
    "قصف مدفعي متقطع على أطراف مدينة تلبيسة في ريف حمص الشمالي.",
    "سقوط قذيفة على أرض زراعية قرب بلدة الغنطو بريف حمص دون إصابات.",
    "استهداف نقطة عسكرية قرب الرستن بريف حمص بقذيفة هاون.",
    "إطلاق نار على حاجز للقوات الحكومية قرب الحولة في ريف حمص.",
]


def _signals_for(es: Elasticsearch, alias: str, key: str) -> list[dict]:
    return [s for s in _search_all(es, alias) if s.get("key") == key]


def test_a_burst_raises_a_signal_a_quiet_stream_does_not_and_a_second_burst_is_throttled(
        settings, topics, producer, processes, es):
    _start_pipeline(processes)
    for day, text in enumerate(HOMS_QUIET, start=1):  # one report a day: nothing unusual
        _send(producer, settings.topics.reports, f"homs-{day}",
              {"id": f"homs-{day}", "text": text, "source": "SOHR", "published_at": f"2024-02-{day:02d}T09:00:00Z"})
    for i, text in enumerate(DARAA_BURST):  # five violent reports inside one six-hour window
        _send(producer, settings.topics.reports, f"daraa-{i}",
              {"id": f"daraa-{i}", "text": text, "source": "SOHR", "published_at": f"2024-03-01T0{7 + i // 2}:{10 * i:02d}:00Z"})
    producer.flush()
    signals = wait_for(lambda: _signals_for(es, settings.indices.signals, "Daraa"), 180,
                       "an escalation signal for Daraa", on_timeout=lambda: _logs(processes))
    assert len(signals) == 1
    signal = signals[0]
    assert signal["key_type"] == "governorate" and signal["level"] in ("medium", "high")
    assert signal["reasons"] and set(signal["report_ids"]) <= {f"daraa-{i}" for i in range(5)}
    assert signal["observed"] > signal["expected"]

    for i, text in enumerate(DARAA_SECOND_BURST):  # the next window, while Daraa is still alerting
        _send(producer, settings.topics.reports, f"daraa-b{i}",
              {"id": f"daraa-b{i}", "text": text, "source": "SOHR", "published_at": f"2024-03-01T13:{10 * i:02d}:00Z"})
    producer.flush()
    wait_for(lambda: all(fetch_doc(es, settings.indices.reports, f"daraa-b{i}") for i in range(3)), 120,
             "the second burst indexed", on_timeout=lambda: _logs(processes))
    time.sleep(3)  # the signals stage runs after indexing of reports; give it time to emit anything it would
    es.indices.refresh(index=settings.indices.signals)
    assert len(_signals_for(es, settings.indices.signals, "Daraa")) == 1, "the second burst was not throttled"
    assert _signals_for(es, settings.indices.signals, "Homs") == [], "a quiet stream raised a signal"
