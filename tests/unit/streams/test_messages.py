import dataclasses
import json

from rasd.escalation.detector import EscalationDetector
from rasd.schema import Entity, Event
from streams.messages import (encode_analysed, enriched_from_event, escalation_event, group_events,
                              partition_for_key)
from tests.unit.escalation.factories import make_enriched

def _with_evidence(enriched):
    """The report with the entities and event evidence a real analysis has (what events leave out)."""
    text = enriched.report.text
    analysis = dataclasses.replace(
        enriched.analysis,
        entities=(Entity("قوات النظام", "ORG", 5, 16, "syr-gov-forces", "Syrian government forces"),
                  Entity("خان شيخون", "LOC", 22, 31)),
        events=(Event("shelling", text[:5], 0, 5),))
    return dataclasses.replace(enriched, analysis=analysis)


DARAA_BURST = [
    _with_evidence(make_enriched(f"daraa-{i}", f"2024-03-01T0{7 + i // 2}:{10 * i:02d}:00Z", governorates=("Idlib", "Hama"),
                  actors=("hts", "syr-gov-forces"), event_types=("shelling", "armed_clash"), killed=i or None,
                  signals=("heavy_weapons",), score=0.6, escalatory=True))
    for i in range(6)
]


def test_the_analysed_message_carries_the_report_and_its_keys():
    enriched = DARAA_BURST[0]
    message = json.loads(encode_analysed(enriched.to_dict(), [("governorate", "Idlib")]))
    assert message == {"enriched": enriched.to_dict(), "keys": [["governorate", "Idlib"]]}


def test_an_escalation_event_has_no_text_and_no_entities():
    event = escalation_event(DARAA_BURST[0].to_dict())
    assert set(event) == {"id", "published_at", "story_id", "analysis"}
    assert "entities" not in event["analysis"] and "events" not in event["analysis"]
    assert "قصفت" not in json.dumps(event, ensure_ascii=False)


def test_the_detector_decides_the_same_on_events_as_on_whole_reports():
    whole, slim = EscalationDetector.from_data(), EscalationDetector.from_data()
    fired = []
    for enriched in DARAA_BURST:
        event = json.loads(json.dumps(escalation_event(enriched.to_dict())))
        for key_type, key in whole.keys_for(enriched.analysis):
            expected = whole.observe_key(key_type, key, enriched, "2024-03-01T12:00:00Z")
            got = slim.observe_key(key_type, key, enriched_from_event(event), "2024-03-01T12:00:00Z")
            assert (got.fired, got.reason, got.signal) == (expected.fired, expected.reason, expected.signal)
            fired.append(got.fired)
    assert any(fired), "the burst must fire, or the comparison proves little"
    assert whole.store == slim.store


def test_each_key_always_goes_to_one_partition_and_order_is_kept():
    assert {partition_for_key("governorate", "Idlib", 4) for _ in range(3)} == {partition_for_key("governorate", "Idlib", 4)}
    keys = [("governorate", g) for g in ("Idlib", "Hama", "Aleppo", "Daraa", "Homs", "Latakia")]
    grouped = group_events([({"id": "a"}, keys), ({"id": "b"}, keys[:2])], 4)
    assert sum(len(item["keys"]) for items in grouped.values() for item in items) == len(keys) + 2
    for partition, items in grouped.items():
        assert all(partition_for_key(t, k, 4) == partition for item in items for t, k in item["keys"])
        ids = [item["event"]["id"] for item in items]
        assert ids == sorted(ids), "reports keep their order within a partition"
    assert len(grouped) > 1, "six keys in four partitions should not all land in one"


def test_the_analysis_processes_sign_the_text_for_the_stories_stage():
    from rasd.stories import StoryIndex, decode_signature
    from streams.analysis_processes import analyse_message

    text = "قصفت قوات النظام بلدة التمانعة بريف إدلب الجنوبي بعشرات القذائف صباح اليوم"
    kind, _, raw = analyse_message(json.dumps({"id": "r1", "text": text}, ensure_ascii=False).encode())
    message = json.loads(raw)
    assert kind == "analysed"
    assert decode_signature(message["sig"]) == StoryIndex().signature(text)
