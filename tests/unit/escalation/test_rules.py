import pytest

from rasd.errors import DataError
from rasd.escalation.rules import (RULE_TYPES, FrequencyRule, IndicatorRule, NewTermRule, Span, SpikeRule, StoryView,
                                   WindowView, build_rule, build_rules, describe_chance, describe_events,
                                   describe_rate, poisson_tail, score_excess, score_surprise)

JUNE_12_0600 = 1560319200
WINDOW = 6 * 3600


def _story(i, weight=3.0, violent=True, indicators=(), indicator_weight=0.0, share=1.0, reports=None):
    return StoryView(f"s{i}", weight, violent, tuple(reports or (f"r{i}",)), tuple(indicators), indicator_weight, share)


def _view(stories=None, previous=None, **changes) -> WindowView:
    """Idlib, 06:00-12:00 on 12 June 2019, five violent stories by default, a quiet baseline."""
    stories = tuple(stories if stories is not None else [_story(i) for i in range(5)])
    span = Span(JUNE_12_0600, 1, stories)
    values = dict(key_type="governorate", key="Idlib", window_hours=6, observed=span.observed, count=span.count,
                  severe=span.violent, violent=span.violent, indicators={}, indicator_weight=0.0, expected=1.0,
                  expected_std=0.5, history_windows=40, watched_windows=80, quiet_windows_before=1,
                  report_ids=span.report_ids, window_start=JUNE_12_0600, expected_events=0.3,
                  expected_indicated=0.0, stories=stories, previous=previous)
    values.update(changes)
    return WindowView(**values)


def test_every_rule_type_is_registered_by_name():
    assert set(RULE_TYPES) == {"spike", "frequency", "new_term", "indicator"}
    assert RULE_TYPES["spike"] is SpikeRule


def test_score_excess_is_half_at_the_threshold_and_rises():
    assert score_excess(3, 3) == 0.5
    assert score_excess(9, 3) == pytest.approx(0.9)
    assert score_excess(0, 3) == 0.0
    assert score_excess(2, 2, at_threshold=0.6) == pytest.approx(0.6)


def test_poisson_tail_is_the_chance_of_that_many_or_more():
    assert poisson_tail(0, 1.0) == 1.0 and poisson_tail(1, 0.0) == 0.0
    assert poisson_tail(1, 1.0) == pytest.approx(1 - 0.36788, abs=1e-5)
    assert poisson_tail(5, 1.0) == pytest.approx(0.00366, abs=1e-5)


def test_surprise_scores_one_in_a_thousand_as_medium():
    assert score_surprise(0.01, 2.0) == pytest.approx(0.5)
    assert score_surprise(0.001, 2.0) == pytest.approx(0.6)
    assert score_surprise(1.0, 2.0) == 0.0
    assert score_surprise(1e-12, 2.0) > 0.85


def test_chances_rates_and_events_read_as_words():
    assert describe_chance(0.00043) == "about 1 in 2,300" and describe_chance(0.02) == "about 1 in 50"
    assert describe_chance(1e-9) == "less than 1 in a million"
    assert describe_rate(0.0412) == "0.04" and describe_rate(3.24) == "3.2" and describe_rate(12.4) == "12"
    assert describe_rate(0.004) == "0.004"
    assert describe_events(3, 3) == "3 violent events" and describe_events(1, 1) == "1 violent event"
    assert describe_events(4, 3) == "4 events, 3 of them violent" and describe_events(2, 0) == "2 events, none violent"


def test_spans_count_a_story_in_two_windows_once():
    first = Span(JUNE_12_0600, 1, (_story(1, weight=2.0, reports=["a"]),))
    second = Span(JUNE_12_0600 + WINDOW, 1, (_story(1, weight=3.0, reports=["a-dup"]), _story(2)))
    joined = first.join(second)
    assert (joined.windows, joined.violent, joined.observed) == (2, 2, 6.0)
    assert joined.report_ids == ("a", "a-dup", "r2") and joined.violent_ids == ("a", "r2")


SPIKE = dict(ratio=3.0, min_observed=5.0, min_count=3, min_violent=2, min_history_windows=8, max_p=0.01)


def test_spike_fires_against_the_key_baseline_and_explains_the_numbers():
    hit = SpikeRule("spike", **SPIKE).evaluate(_view())
    assert hit is not None and hit.rule == "spike"
    assert hit.score == pytest.approx(score_surprise(poisson_tail(5, 0.3), 2.0))
    assert hit.reason == ("5 violent events in Idlib between 06:00 and 12:00 UTC on 12 June 2019 (weight 15.0) "
                          "against a baseline of 1.0 per window — 15×, a chance of about 1 in 63,000 for this key; "
                          "reports r0, r1, r2, r3 and r4")


@pytest.mark.parametrize("changes", [{"expected": 6.0}, {"history_windows": 2}, {"expected_events": 2.0},
                                     {"stories": [_story(i) for i in range(2)]},
                                     {"stories": [_story(0), _story(1, violent=False), _story(2, violent=False)]}])
def test_spike_stays_silent_below_its_thresholds(changes):
    stories = changes.pop("stories", None)
    assert SpikeRule("spike", **SPIKE).evaluate(_view(stories, **changes)) is None


def test_a_busy_key_needs_more_than_its_ordinary_ups_and_downs():
    """Four violent events in a window where one is usual: 4× the weight, but a 1 in 50 chance."""
    busy = _view([_story(i) for i in range(4)], expected=3.0, expected_events=1.0)
    assert SpikeRule("spike", **SPIKE).evaluate(busy) is None
    burst = _view([_story(i) for i in range(7)], expected=3.0, expected_events=1.0)
    assert SpikeRule("spike", **SPIKE).evaluate(burst).score > 0.6


def test_a_burst_straddling_two_windows_spikes_over_both():
    previous = Span(JUNE_12_0600 - WINDOW, 1, tuple(_story(i) for i in range(10, 13)))
    view = _view([_story(i) for i in range(3)], previous=previous, expected=2.0, expected_events=0.6)
    assert SpikeRule("spike", **SPIKE).evaluate(_view([_story(i) for i in range(3)], expected=2.0,
                                                      expected_events=0.6)) is None
    hit = SpikeRule("spike", **SPIKE).evaluate(view)
    assert hit.reason.startswith("6 violent events in Idlib between 00:00 and 12:00 UTC on 12 June 2019 (weight 18.0) "
                                 "against a baseline of 4.0 per 12 hours — 4.5×")


def test_frequency_counts_violent_events_of_a_key_without_a_baseline():
    rule = FrequencyRule("frequency", num_events=3, max_history_windows=16)
    assert rule.evaluate(_view([_story(i) for i in range(2)], history_windows=0)) is None
    assert rule.evaluate(_view(history_windows=16)) is None
    hit = rule.evaluate(_view(history_windows=0))
    assert hit.score == pytest.approx(score_excess(5, 3))
    assert hit.reason.startswith("5 violent events in Idlib between 06:00 and 12:00 UTC on 12 June 2019, for a key "
                                 "with no history yet")
    assert "a key with only 2 days of history" in rule.evaluate(_view(history_windows=8)).reason


def test_new_term_needs_violence_after_a_quiet_history_and_a_long_enough_watch():
    rule = NewTermRule("new", quiet_windows=56, min_violent=2)
    assert rule.evaluate(_view(quiet_windows_before=1)) is None
    assert rule.evaluate(_view([_story(0)], quiet_windows_before=None)) is None  # one event is not enough
    assert rule.evaluate(_view(quiet_windows_before=None, watched_windows=20)) is None  # a cold start
    hit = rule.evaluate(_view(quiet_windows_before=None))
    assert hit.score == 0.6 and hit.reason.startswith("the first violence in Idlib in the 20 days watched: "
                                                      "5 violent events between 06:00 and 12:00 UTC on 12 June 2019")
    assert "the first violence in Idlib in 16 days" in rule.evaluate(_view(quiet_windows_before=64)).reason


def test_new_term_joins_violence_that_began_in_the_window_before():
    rule = NewTermRule("new", quiet_windows=56, min_violent=2)
    previous = Span(JUNE_12_0600 - WINDOW, 1, (_story(9),))
    view = _view([_story(0)], previous=previous, quiet_windows_before=1, quiet_windows_before_previous=None)
    assert "2 violent events between 00:00 and 12:00 UTC" in rule.evaluate(view).reason


def test_a_first_only_dyad_never_fought_before():
    rule = NewTermRule("pair", quiet_windows=56, min_violent=1, first_only=True)
    pair = dict(key_type="actor_pair", key="syr-gov-forces|tur-forces",
                label="Syrian government forces and Turkish armed forces")
    assert rule.evaluate(_view([_story(0)], quiet_windows_before=70, **pair)) is None  # fought before, a lull
    hit = rule.evaluate(_view([_story(0)], quiet_windows_before=None, **pair))
    assert hit.reason.startswith("the first violence between Syrian government forces and Turkish armed forces in "
                                 "the 20 days watched: 1 violent event")


INDICATORS = dict(min_reports=2, names=["mobilisation", "ultimatum_threat", "truce_breakdown"], strong_weight=2.5,
                  violent_bonus=1.0, min_share=0.25, max_p=0.05, min_rate=0.04, half_surprise=2.0)


def _warning(i, names=("mobilisation",), weight=1.0, violent=False, share=1.0):
    return _story(i, weight=1.5, violent=violent, indicators=names, indicator_weight=weight, share=share)


def test_two_warning_reports_in_a_quiet_key_signal_and_name_their_indicators():
    rule = IndicatorRule("indicators", **INDICATORS)
    assert rule.evaluate(_view([_warning(0)])) is None
    hit = rule.evaluate(_view([_warning(0), _warning(1, ("ultimatum_threat", "mobilisation"), 2.0)]))
    assert hit.score >= 0.6
    assert hit.reason.startswith("mobilisation in 2 reports and ultimatum threat in 1 report in Idlib between 06:00 "
                                 "and 12:00 UTC on 12 June 2019, where 0.04 such reports are usual per window")
    assert hit.reason.endswith("; reports r0 and r1")


def test_one_strong_report_is_enough_and_says_so():
    rule = IndicatorRule("indicators", **INDICATORS)
    labels = {"truce_breakdown": "truce breakdown"}
    assert rule.evaluate(_view([_warning(0, ("truce_breakdown",), 1.5)], indicator_labels=labels)) is None
    hit = rule.evaluate(_view([_warning(0, ("truce_breakdown",), 1.5, violent=True)], indicator_labels=labels))
    assert hit.reason.startswith("truce breakdown in one report (a strong warning on its own) in Idlib")


def test_indicators_must_be_unusual_for_the_key_and_about_it():
    rule = IndicatorRule("indicators", **INDICATORS)
    two = [_warning(0), _warning(1)]
    assert rule.evaluate(_view(two, expected_indicated=0.5)) is None  # routine here
    assert rule.evaluate(_view([_warning(0), _warning(1, share=0.1)])) is None  # one names Idlib in passing
    assert rule.evaluate(_view([_warning(0, ("heavy_weapons",)), _warning(1, ("heavy_weapons",))])) is None


def test_rules_apply_to_their_key_types_only():
    rule = build_rule({"type": "new_term", "key_types": ["actor_pair"], "options": {"quiet_windows": 4}})
    assert rule.name == "new_term" and rule.applies_to("actor_pair") and not rule.applies_to("governorate")


@pytest.mark.parametrize("config, message", [
    ({"type": "flatline", "options": {}}, "unknown rule type"),
    ({"type": "spike", "options": {"ratio": 3, "colour": "red"}}, "unknown options"),
    ({"type": "spike", "options": {}}, "'ratio' is required"),
    ({"type": "spike", "options": {"ratio": "3"}}, "must be"),
    ({"type": "frequency", "options": {"num_events": True}}, "must be"),
    ({"type": "new_term", "options": {"quiet_windows": 4, "first_only": 1}}, "must be"),
    ({"type": "spike", "key_types": ["country"], "options": {"ratio": 3}}, "unknown key types"),
    ({"options": {}}, "needs a 'type'"),
])
def test_bad_rule_configurations_are_refused_with_a_reason(config, message):
    with pytest.raises(DataError, match=message):
        build_rule(config)


def test_rule_names_must_be_unique():
    config = {"type": "frequency", "options": {"num_events": 3}}
    with pytest.raises(DataError, match="unique"):
        build_rules([config, config])
