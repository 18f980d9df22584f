import json
import time
from dataclasses import replace

import pytest

from rasd.errors import DataError
from rasd.escalation.detector import EscalationDetector, select_adversaries, signal_id, window_totals
from rasd.schema import Entity, EscalationSignal
from tests.unit.escalation.factories import make_enriched


def _stamp(day, minutes):
    return f"2018-08-{day:02d}T{minutes // 60:02d}:{minutes % 60:02d}:00Z"


def _history(detector, days=5, governorates=("Idlib",), **facets):
    """One shelling report a day at 06:00 from 2018-08-01: a key with an ordinary baseline."""
    for day in range(1, days + 1):
        assert detector.observe(make_enriched(f"h{governorates[0]}{day}", _stamp(day, 360),
                                              governorates=governorates, **facets)) == []


def _burst(detector, day, hour, prefix, n=5, **facets):
    """``n`` shelling reports (3 killed each) 20 minutes apart; returns every signal emitted."""
    facets = {"event_types": ("shelling",), "killed": 3, **facets}
    signals = []
    for i in range(n):
        signals += detector.observe(make_enriched(f"{prefix}{i}", _stamp(day, 60 * hour + 20 * i), **facets))
    return signals


@pytest.fixture
def detector():
    return EscalationDetector.from_data()


def test_keys_are_governorates_and_pairs_of_adversaries(detector):
    enriched = make_enriched("r", "2018-08-10T06:00:00Z", governorates=("Idlib", "Hama"),
                             actors=("syr-gov-forces", "sohr", "hts", "tip"))
    assert detector.keys_for(enriched.analysis) == [
        ("governorate", "Hama"), ("governorate", "Idlib"),
        ("actor_pair", "hts|syr-gov-forces"), ("actor_pair", "syr-gov-forces|tip")]  # hts and tip: one side


def test_actors_named_together_on_one_side_form_no_pair(detector):
    same_side = make_enriched("r", "2018-08-10T06:00:00Z", actors=("hts", "opposition-factions", "tur-forces", "sohr"))
    assert detector.keys_for(same_side.analysis) == [("governorate", "Idlib")]
    allies = make_enriched("r", "2018-08-10T06:00:00Z", actors=("sdf", "us-coalition", "isis"))
    assert [k for _, k in detector.keys_for(allies.analysis)[1:]] == ["isis|sdf", "isis|us-coalition"]


def test_pairs_use_the_reported_actor(detector):
    enriched = make_enriched("r", "2018-08-10T06:00:00Z", actors=("syr-4th-div", "opposition-factions"))
    assert detector.keys_for(enriched.analysis)[1:] == [("actor_pair", "opposition-factions|syr-gov-forces")]


def test_only_the_most_mentioned_adversaries_form_pairs(detector):
    enriched = make_enriched("r", "2018-08-10T06:00:00Z",
                             actors=("tip", "sohr", "hts", "syr-gov-forces", "rus-forces", "opposition-factions"))
    ids = ["tip", "hts", "hts", "syr-gov-forces", "syr-gov-forces", "syr-gov-forces", "sohr", "sohr", "sohr",
           "rus-forces", "rus-forces", "opposition-factions"]
    entities = tuple(Entity("…", "ORG", i, i + 1, actor_id) for i, actor_id in enumerate(ids))
    analysis = replace(enriched.analysis, entities=entities)
    assert [k for _, k in detector.keys_for(analysis)[1:]] == [
        "hts|rus-forces", "hts|syr-gov-forces", "rus-forces|tip", "syr-gov-forces|tip"]  # two a side
    narrow = EscalationDetector.from_data(max_pair_actors=2)
    assert narrow.keys_for(analysis)[1:] == [("actor_pair", "hts|syr-gov-forces")]


def test_select_adversaries_caps_each_side():
    ranked = [("a", "x"), ("b", "x"), ("c", "x"), ("d", "y"), ("e", "y")]
    assert select_adversaries(ranked, 4, 2) == [("a", "x"), ("b", "x"), ("d", "y"), ("e", "y")]
    assert select_adversaries(ranked, 3, 1) == [("a", "x"), ("d", "y")]


def test_burst_in_one_governorate_yields_one_explained_signal(detector):
    _history(detector)
    signals = _burst(detector, 6, 9, "b")
    assert len(signals) == 1
    signal = signals[0]
    assert (signal.key, signal.key_type, signal.governorate) == ("Idlib", "governorate", "Idlib")
    assert signal.window_start == "2018-08-06T06:00:00+00:00" and signal.window_end == "2018-08-06T12:00:00+00:00"
    assert signal.rules == ("spike",) and signal.level == "medium" and 0.6 <= signal.score < 0.85
    assert signal.report_ids == ("b0", "b1", "b2", "b3") and signal.observed == pytest.approx(14.0)
    assert signal.reasons[0].startswith("4 violent events in Idlib between 06:00 and 12:00 UTC on 6 August 2018 "
                                        "(weight 14.0) against a baseline of 0.6 per window — 23×, a chance of about "
                                        "1 in 7,800 for this key")
    assert signal.reasons[0].endswith("; reports b0, b1, b2 and b3")
    assert signal.reasons[-1] == "first signal for Idlib"
    assert signal.id == signal_id("governorate", "Idlib", 1533535200)
    assert signal.location == {"lat": 35.44, "lon": 36.65}
    assert EscalationSignal.from_dict(json.loads(json.dumps(signal.to_dict()))) == signal


def test_the_same_events_spread_over_many_windows_stay_quiet(detector):
    _history(detector)
    for day in range(6, 16):
        assert detector.observe(make_enriched(f"q{day}", _stamp(day, 540), killed=3)) == []


def test_second_burst_while_alerting_is_held_back_with_a_reason(detector):
    _history(detector)
    assert len(_burst(detector, 6, 9, "b")) == 1
    decisions = [detector.evaluate(make_enriched(f"c{i}", _stamp(6, 780 + 20 * i), killed=3))[0] for i in range(4)]
    assert not any(d.fired for d in decisions)
    held = [d for d in decisions if d.signal is not None]
    assert held and held[-1].reason.startswith("held back: Idlib has been signalling at level medium since "
                                               "2018-08-06 10:00 UTC")


def test_burst_after_the_quiet_period_alerts_again(detector):
    _history(detector)
    _burst(detector, 6, 9, "b")
    signals = _burst(detector, 8, 9, "d", n=6)
    assert len(signals) == 1 and signals[0].window_start == "2018-08-08T06:00:00+00:00"
    assert signals[0].reasons[-1].startswith("Idlib signals again after 47.7 hours without hits (the quiet period "
                                             "is 24 hours)")


def test_a_cold_start_burst_is_caught_by_frequency_and_a_small_one_only_recorded(detector):
    small = [detector.evaluate(make_enriched(f"s{i}", _stamp(2, 400 + 10 * i), governorates=("Hama",),
                                             killed=3))[0] for i in range(3)]
    assert small[-1].hits and small[-1].level == "low" and not small[-1].fired
    assert small[-1].reason.startswith("recorded, not emitted: Hama scores 0.50 (low)")
    signals = _burst(detector, 3, 7, "d", governorates=("Latakia",))
    assert [s.rules for s in signals] == [("frequency",)] and signals[0].level == "medium"
    assert "for a key with only 24 hours of history" in signals[0].reasons[0]  # watched since Hama's reports


def test_low_signals_are_emitted_when_configured():
    detector = EscalationDetector.from_data(min_level_to_emit="low")
    signals = _burst(detector, 2, 7, "s", n=3)
    assert [s.level for s in signals] == ["low"]


def test_actor_pair_signal(detector):
    facets = {"actors": ("hts", "syr-gov-forces", "sohr"), "event_types": ("armed_clash",), "killed": 5}
    _history(detector, governorates=("Hama",), **facets)
    signals = _burst(detector, 6, 9, "p", n=4, governorates=("Hama",), **facets)
    pair = [s for s in signals if s.key_type == "actor_pair"]
    assert [s.key for s in pair] == ["hts|syr-gov-forces"]
    assert pair[0].actor_ids == ("hts", "syr-gov-forces") and pair[0].governorate is None
    assert pair[0].governorates == ("Hama",) and pair[0].event_types == ("armed_clash",)
    assert pair[0].reasons[0].startswith("4 violent events between Hayat Tahrir al-Sham and Syrian government forces "
                                         "between 06:00 and 12:00 UTC on 6 August 2018")
    governorate = [s for s in signals if s.key_type == "governorate"]
    assert [s.key for s in governorate] == ["Hama"]
    assert governorate[0].actor_ids == ("hts", "syr-gov-forces")  # in the order the report names them


def test_out_of_order_reports_within_a_window_count_the_same(detector):
    _history(detector)
    reports = [make_enriched(f"o{i}", _stamp(6, 660 - 60 * i), killed=3) for i in range(5)]
    other = EscalationDetector.from_data()
    _history(other)
    in_order = [s for r in reversed(reports) for s in other.observe(r)]
    out_of_order = [s for r in reports for s in detector.observe(r)]
    assert [s.level for s in in_order] == [s.level for s in out_of_order] == ["medium"]
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
    for i in range(4):
        enriched = make_enriched(f"n{i}", None, killed=3)
        signals += detector.observe(enriched, processing_time=f"2018-08-06T09:0{i}:00Z")
    assert len(signals) == 1 and signals[0].window_start == "2018-08-06T06:00:00+00:00"
    assert signals[0].emitted_at == "2018-08-06T09:03:00+00:00"


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


def test_mobilisation_reports_signal_for_the_governorate_not_the_pair(detector):
    _history(detector, governorates=("Hama",))
    facets = {"governorates": ("Hama",), "actors": ("syr-gov-forces", "hts"), "event_types": ("military_buildup",),
              "signals": ("mobilisation",), "score": 0.4, "escalatory": True}
    assert detector.observe(make_enriched("m1", "2018-08-06T07:00:00Z", **facets)) == []
    signals = detector.observe(make_enriched("m2", "2018-08-06T08:00:00Z", **facets))
    assert [(s.key, s.rules, s.level) for s in signals] == [("Hama", ("indicators",), "medium")]
    assert signals[0].reasons[0].startswith("mobilisation in 2 reports in Hama between 06:00 and 12:00 UTC on "
                                            "6 August 2018, where 0.04 such reports are usual per window")


def test_one_strong_warning_is_enough(detector):
    _history(detector, governorates=("Hama",))
    signals = detector.observe(make_enriched("w", "2018-08-06T07:00:00Z", governorates=("Hama",),
                                             event_types=("military_buildup",),
                                             signals=("mobilisation", "offensive_preparation"), escalatory=True))
    assert [s.rules for s in signals] == [("indicators",)]
    assert signals[0].reasons[0].startswith("mobilisation and offensive preparations in one report (a strong warning "
                                            "on its own) in Hama")


def test_new_violence_after_a_long_quiet_watch(detector):
    for day in range(1, 17):  # 16 days of protests in Latakia and shelling in Idlib: the detector is watching
        detector.observe(make_enriched(f"p{day}", _stamp(day, 360), governorates=("Latakia",),
                                       event_types=("protest",)))
        detector.observe(make_enriched(f"i{day}", _stamp(day, 400)))
    assert detector.observe(make_enriched("v1", _stamp(17, 360), governorates=("Latakia",),
                                          event_types=("armed_clash",))) == []  # one event is not enough
    signals = detector.observe(make_enriched("v2", _stamp(17, 370), governorates=("Latakia",),
                                             event_types=("armed_clash",)))
    assert [s.rules for s in signals] == [("new_violence",)]
    assert signals[0].reasons[0].startswith("the first violence in Latakia in the 16 days watched: 2 violent events")


def test_new_violence_needs_a_long_enough_watch(detector):
    for i in range(2):
        assert detector.observe(make_enriched(f"v{i}", _stamp(2, 360 + i), governorates=("Latakia",),
                                              event_types=("armed_clash",))) == []


def test_a_dyad_fighting_for_the_first_time(detector):
    for day in range(1, 16):
        detector.observe(make_enriched(f"i{day}", _stamp(day, 400), actors=("hts", "syr-gov-forces")))
    signals = detector.observe(make_enriched("t", _stamp(16, 400), actors=("tur-forces", "syr-gov-forces"),
                                             event_types=("armed_clash",)))
    assert [(s.key, s.rules) for s in signals] == [("syr-gov-forces|tur-forces", ("new_violent_pair",))]
    assert signals[0].reasons[0].startswith("the first violence between Syrian government forces and Turkish armed "
                                            "forces in the 15 days watched: 1 violent event")


def test_a_break_in_the_stream_restarts_the_watch(detector):
    for day in range(1, 17):
        detector.observe(make_enriched(f"i{day}", _stamp(day, 400), actors=("hts", "syr-gov-forces")))
    meta = detector.store["meta"]
    assert meta["watching_since"] == meta["started"]
    later = "2018-09-20T07:00:00Z"  # 3 weeks later: what happened meanwhile is unknown
    assert detector.observe(make_enriched("t", later, actors=("tur-forces", "syr-gov-forces"),
                                          event_types=("armed_clash",))) == []
    assert detector.store["meta"]["watching_since"] > meta["started"]
    state = detector.store["k:governorate:Idlib"]
    assert state["base"]["n"] == 0 and state["last_violent"] is not None  # relearning, memory kept


def test_a_key_first_seen_after_a_long_watch_has_a_near_zero_baseline(detector):
    _history(detector, days=10)
    signals = _burst(detector, 11, 9, "h", n=3, governorates=("Hama",))
    assert [s.rules for s in signals] == [("spike",)]
    assert "against a baseline of 0.5 per window" in signals[0].reasons[0]
    assert detector.store["k:governorate:Hama"]["base"]["n"] > 20


def test_the_score_trail_shows_a_key_over_time(detector):
    _history(detector)
    _burst(detector, 6, 9, "b")
    trail = detector.scores("governorate", "Idlib")
    assert [t["window_start"][:13] for t in trail] == [f"2018-08-0{d}T06" for d in range(1, 7)]
    assert trail[-1]["level"] == "medium" and trail[-1]["score"] >= 0.6 and trail[0]["score"] == 0.0
    assert detector.scores("governorate", "Homs") == []


def test_state_survives_a_json_round_trip(detector):
    _history(detector)
    _burst(detector, 6, 9, "b")
    restored = EscalationDetector.from_data(store=json.loads(json.dumps(detector.store)))
    decisions = [restored.evaluate(make_enriched(f"after{i}", _stamp(6, 840 + i), killed=3))[0] for i in range(4)]
    assert not any(d.fired for d in decisions) and decisions[-1].reason.startswith("held back")


def test_state_written_by_the_previous_version_still_loads(detector):
    detector.store["meta"] = {"started": 1533081600}
    detector.store["k:governorate:Idlib"] = {
        "windows": {}, "base": {"mean": 0.5, "var": 0.5, "n": 3, "through": 1533081600},
        "first_seen": 1533081600, "last_violent": None, "alert": None}
    assert detector.observe(make_enriched("x", "2018-08-02T06:00:00Z")) == []
    state = detector.store["k:governorate:Idlib"]
    assert {"vbase", "ibase", "trail", "watch"} <= set(state)


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
    with pytest.raises(DataError, match="min_level_to_emit"):
        EscalationDetector.from_data(min_level_to_emit="critical")
    with pytest.raises(DataError, match="unknown rule type"):
        EscalationDetector.from_data(rules=[{"type": "flatline"}])


def test_a_report_key_takes_well_under_a_millisecond(detector):
    reports = [make_enriched(f"t{i}", _stamp(1 + i // 40, (i * 37) % 1440), governorates=("Idlib", "Hama"),
                             actors=("hts", "syr-gov-forces"), killed=i % 4) for i in range(400)]
    keys = [detector.keys_for(r.analysis) for r in reports]
    began = time.perf_counter()
    for enriched, report_keys in zip(reports, keys):
        for key_type, key in report_keys:
            detector.observe_key(key_type, key, enriched)
    per_key = (time.perf_counter() - began) / sum(map(len, keys))
    assert per_key < 0.003  # about 0.2 ms on a laptop; generous for a loaded machine
