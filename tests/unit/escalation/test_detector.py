import json
from dataclasses import replace

import pytest

from rasd.errors import DataError
from rasd.escalation.detector import EscalationDetector, signal_id, window_totals
from rasd.schema import Entity, EscalationSignal
from tests.unit.escalation.factories import make_enriched


def _history(detector, days=5, governorates=("Idlib",)):
    """One shelling report a day at 06:00 on 2018-08-01 … : a key with an ordinary baseline."""
    for day in range(1, days + 1):
        assert detector.observe(make_enriched(f"h{day}", f"2018-08-{day:02d}T06:00:00Z",
                                              governorates=governorates)) == []


def _burst(detector, day, hour, prefix, n=5, **facets):
    """``n`` severe shelling reports (3 killed each) 20 minutes apart; returns every signal emitted."""
    facets = {"event_types": ("shelling",), "killed": 3, **facets}
    signals = []
    for i in range(n):
        minutes = 60 * hour + 20 * i
        stamp = f"2018-08-{day:02d}T{minutes // 60:02d}:{minutes % 60:02d}:00Z"
        signals += detector.observe(make_enriched(f"{prefix}{i}", stamp, **facets))
    return signals


@pytest.fixture
def detector():
    return EscalationDetector.from_data()


def test_keys_are_governorates_and_pairs_of_combatants(detector):
    enriched = make_enriched("r", "2018-08-10T06:00:00Z", governorates=("Idlib", "Hama"),
                             actors=("syr-gov-forces", "sohr", "hts", "tip"))
    assert detector.keys_for(enriched.analysis) == [
        ("governorate", "Hama"), ("governorate", "Idlib"),
        ("actor_pair", "hts|syr-gov-forces"), ("actor_pair", "hts|tip"), ("actor_pair", "syr-gov-forces|tip")]


def test_only_the_most_mentioned_combatants_form_pairs(detector):
    enriched = make_enriched("r", "2018-08-10T06:00:00Z", actors=("tip", "sohr", "hts", "syr-gov-forces"))
    ids = ["tip", "hts", "hts", "syr-gov-forces", "syr-gov-forces", "syr-gov-forces", "sohr", "sohr", "sohr"]
    entities = tuple(Entity("…", "ORG", i, i + 1, actor_id) for i, actor_id in enumerate(ids))
    analysis = replace(enriched.analysis, entities=entities)
    assert detector.keys_for(analysis)[1:] == [("actor_pair", "hts|syr-gov-forces"), ("actor_pair", "hts|tip"),
                                               ("actor_pair", "syr-gov-forces|tip")]
    narrow = EscalationDetector.from_data(max_pair_actors=2)
    assert narrow.keys_for(analysis)[1:] == [("actor_pair", "hts|syr-gov-forces")]


def test_burst_in_one_governorate_yields_one_explained_signal(detector):
    _history(detector)
    signals = _burst(detector, 6, 9, "b")
    assert len(signals) == 1
    signal = signals[0]
    assert (signal.key, signal.key_type, signal.governorate) == ("Idlib", "governorate", "Idlib")
    assert signal.window_start == "2018-08-06T06:00:00+00:00" and signal.window_end == "2018-08-06T12:00:00+00:00"
    assert set(signal.rules) == {"spike", "frequency"} and signal.level == "high" and 0.85 <= signal.score <= 1
    assert signal.observed == pytest.approx(10.5) and signal.expected < 1.0
    assert signal.report_ids == ("b0", "b1", "b2")
    assert any(r.startswith("spike: Idlib weighs 10.5 (3 events)") and "b0, b1, b2" in r for r in signal.reasons)
    assert signal.reasons[-1] == "first alert for Idlib"
    assert signal.id == signal_id("governorate", "Idlib", 1533535200)
    assert signal.location == {"lat": 35.44, "lon": 36.65}
    assert EscalationSignal.from_dict(json.loads(json.dumps(signal.to_dict()))) == signal


def test_the_same_events_spread_over_many_windows_stay_quiet(detector):
    _history(detector)
    for day in range(6, 11):
        assert detector.observe(make_enriched(f"q{day}", f"2018-08-{day:02d}T09:00:00Z", killed=3)) == []


def test_second_burst_while_alerting_is_suppressed_with_a_reason(detector):
    _history(detector)
    assert len(_burst(detector, 6, 9, "b")) == 1
    decisions = [detector.evaluate(make_enriched(f"c{i}", f"2018-08-06T{13 + i}:00:00Z", killed=3))[0]
                 for i in range(4)]
    assert not any(d.fired for d in decisions)
    assert decisions[-1].signal is not None and decisions[-1].signal.level == "high"
    assert decisions[-1].reason.startswith("suppressed: Idlib has been alerting at level high since "
                                           "2018-08-06T09:40:00+00:00")


def test_burst_after_the_quiet_period_alerts_again(detector):
    _history(detector)
    _burst(detector, 6, 9, "b")
    signals = _burst(detector, 8, 9, "d")
    assert len(signals) == 1 and signals[0].window_start == "2018-08-08T06:00:00+00:00"
    assert signals[0].reasons[-1].startswith("re-alert: Idlib was quiet for ")


def test_actor_pair_signal(detector):
    facets = {"governorates": ("Hama",), "actors": ("hts", "syr-gov-forces", "sohr"),
              "event_types": ("armed_clash",), "killed": 5}
    signals = _burst(detector, 6, 9, "p", n=3, **facets)
    pair = [s for s in signals if s.key_type == "actor_pair"]
    assert [s.key for s in pair] == ["hts|syr-gov-forces"]
    assert pair[0].actor_ids == ("hts", "syr-gov-forces") and pair[0].governorate is None
    assert pair[0].governorates == ("Hama",) and pair[0].event_types == ("armed_clash",)
    assert pair[0].rules == ("frequency",)
    assert {s.key for s in signals if s.key_type == "governorate"} == {"Hama"}


def test_out_of_order_reports_within_a_window_count_the_same(detector):
    reports = [make_enriched(f"o{i}", f"2018-08-06T{11 - i:02d}:00:00Z", killed=3) for i in range(5)]
    other = EscalationDetector.from_data()
    in_order = [s for r in reversed(reports) for s in other.observe(r)]
    out_of_order = [s for r in reports for s in detector.observe(r)]
    assert [s.level for s in in_order] == [s.level for s in out_of_order] == ["low", "medium"]
    assert out_of_order[1].reasons[-1].startswith("level rose from low to medium")
    window = detector.store["k:governorate:Idlib"]["windows"]["1533535200"]
    assert window_totals(window) == window_totals(other.store["k:governorate:Idlib"]["windows"]["1533535200"])


def test_a_late_report_updates_its_earlier_window(detector):
    detector.observe(make_enriched("now", "2018-08-06T13:00:00Z"))
    detector.observe(make_enriched("late", "2018-08-06T01:00:00Z", killed=3))
    windows = detector.store["k:governorate:Idlib"]["windows"]
    assert window_totals(windows["1533513600"])["severe"] == 1


def test_a_report_older_than_the_kept_windows_is_refused_as_late(detector):
    detector.observe(make_enriched("now", "2018-08-06T13:00:00Z"))
    decision = detector.evaluate(make_enriched("old", "2018-08-03T13:00:00Z"))[0]
    assert not decision.fired and decision.reason.startswith("late: the window starting 2018-08-03T12:00:00")


def test_report_without_published_at_uses_the_processing_time(detector):
    signals = []
    for i in range(3):
        enriched = make_enriched(f"n{i}", None, killed=3)
        signals += detector.observe(enriched, processing_time=f"2018-08-06T09:0{i}:00Z")
    assert len(signals) == 1 and signals[0].window_start == "2018-08-06T06:00:00+00:00"
    assert signals[0].emitted_at == "2018-08-06T09:02:00+00:00"


def test_one_story_from_many_outlets_counts_once(detector):
    for i in range(5):
        enriched = make_enriched(f"s{i}", f"2018-08-06T09:{i:02d}:00Z", killed=3, story_id="story-1")
        assert detector.observe(enriched) == []
    window = detector.store["k:governorate:Idlib"]["windows"]["1533535200"]
    assert window_totals(window)["severe"] == 1 and window["stories"]["story-1"]["r"] == [f"s{i}" for i in range(5)]


def test_a_replayed_report_is_not_counted_twice(detector):
    enriched = make_enriched("r1", "2018-08-06T09:00:00Z", killed=3)
    detector.observe(enriched)
    decision = detector.evaluate(enriched)[0]
    assert decision.reason == "replay: report r1 is already counted for Idlib"


def test_escalation_indicators_alone_raise_a_low_signal(detector):
    enriched = make_enriched("i1", "2018-08-06T09:00:00Z", event_types=("military_buildup",),
                             signals=("mobilisation", "ultimatum"), score=0.6, escalatory=True)
    signals = detector.observe(enriched)
    assert [s.rules for s in signals] == [("indicators",)] and signals[0].level == "low"
    assert "mobilisation ×1, ultimatum ×1" in signals[0].reasons[0]


def test_new_violence_after_a_quiet_history(detector):
    for day in range(1, 11):
        detector.observe(make_enriched(f"p{day}", f"2018-08-{day:02d}T06:00:00Z", governorates=("Latakia",),
                                       event_types=("protest",)))
    signals = detector.observe(make_enriched("v", "2018-08-11T06:00:00Z", governorates=("Latakia",),
                                             event_types=("armed_clash",)))
    assert [s.rules for s in signals] == [("new_violence",)]
    assert "never violent before" in signals[0].reasons[0]


def test_state_survives_a_json_round_trip(detector):
    _history(detector)
    _burst(detector, 6, 9, "b")
    restored = EscalationDetector.from_data(store=json.loads(json.dumps(detector.store)))
    for i in range(2):
        assert restored.observe(make_enriched(f"after{i}", f"2018-08-06T14:0{i}:00Z", killed=3)) == []
    decision = restored.evaluate(make_enriched("after2", "2018-08-06T14:10:00Z", killed=3))[0]
    assert decision.hits and decision.reason.startswith("suppressed")


def test_failed_analyses_are_ignored(detector):
    enriched = make_enriched("x", "2018-08-06T09:00:00Z")
    failed = enriched.__class__(enriched.report, enriched.analysis.failed("x", "empty_text", "no text"), "")
    assert detector.evaluate(failed) == []


def test_configuration_is_validated_before_the_detector_is_built():
    assert EscalationDetector.from_data(window_hours=24).config.window_seconds == 86400
    with pytest.raises(DataError, match="levels"):
        EscalationDetector.from_data(levels={"medium": 0.9, "high": 0.5})
    with pytest.raises(DataError, match="window_hours"):
        EscalationDetector.from_data(window_hours="6h")
    with pytest.raises(DataError, match="unknown rule type"):
        EscalationDetector.from_data(rules=[{"type": "flatline"}])
