import pytest

from rasd.errors import DataError
from rasd.escalation.rules import (RULE_TYPES, FrequencyRule, IndicatorRule, NewTermRule, SpikeRule, WindowView,
                                   build_rule, build_rules, score_excess)


def _view(**changes) -> WindowView:
    values = dict(key_type="governorate", key="Idlib", window_hours=6, observed=12.5, count=5, severe=4, violent=5,
                  indicators={}, indicator_weight=0.0, expected=1.0, expected_std=0.5, history_windows=20,
                  detector_windows=20, quiet_windows_before=1, report_ids=("r1", "r2", "r3", "r4", "r5", "r6"))
    values.update(changes)
    return WindowView(**values)


def test_every_rule_type_is_registered_by_name():
    assert set(RULE_TYPES) == {"spike", "frequency", "new_term", "indicator"}
    assert RULE_TYPES["spike"] is SpikeRule


def test_score_excess_is_half_at_the_threshold_and_rises():
    assert score_excess(3, 3) == 0.5
    assert score_excess(9, 3) == pytest.approx(0.9)
    assert score_excess(0, 3) == 0.0


def test_spike_fires_on_ratio_and_explains_the_numbers():
    hit = SpikeRule("spike", ratio=3.0, min_observed=5.0, min_count=3).evaluate(_view())
    assert hit is not None and hit.rule == "spike"
    assert hit.score == pytest.approx(score_excess(12.5, 3.0))
    assert "12.5" in hit.reason and "1.00" in hit.reason and "ratio 12.5" in hit.reason
    assert "r1, r2, r3, r4, r5 and 1 more" in hit.reason


@pytest.mark.parametrize("changes", [{"expected": 5.0}, {"observed": 4.0, "expected": 0.5}, {"count": 2},
                                     {"history_windows": 2}])
def test_spike_stays_silent_below_its_thresholds(changes):
    rule = SpikeRule("spike", ratio=3.0, min_observed=5.0, min_count=3, min_history_windows=4)
    assert rule.evaluate(_view(**changes)) is None


def test_frequency_counts_severe_events():
    rule = FrequencyRule("frequency", num_events=3)
    assert rule.evaluate(_view(severe=2)) is None
    hit = rule.evaluate(_view(severe=6))
    assert hit.score == pytest.approx(0.8) and "6 severe events" in hit.reason


def test_new_term_needs_violence_after_a_quiet_history():
    rule = NewTermRule("new", quiet_windows=28, min_history_windows=8, warmup_windows=8)
    assert rule.evaluate(_view(quiet_windows_before=1)) is None
    assert rule.evaluate(_view(quiet_windows_before=40, violent=0)) is None
    assert rule.evaluate(_view(quiet_windows_before=40, history_windows=3)) is None
    assert rule.evaluate(_view(quiet_windows_before=None, detector_windows=2)) is None
    hit = rule.evaluate(_view(quiet_windows_before=None))
    assert hit.score == 0.5 and "never violent before" in hit.reason
    assert "previous 40 windows" in rule.evaluate(_view(quiet_windows_before=40)).reason


def test_indicator_rule_names_the_indicators():
    rule = IndicatorRule("indicators", min_weight=2.0)
    assert rule.evaluate(_view(indicators={"ultimatum": 1}, indicator_weight=1.0)) is None
    hit = rule.evaluate(_view(indicators={"mobilisation": 2, "ultimatum": 1}, indicator_weight=3.0))
    assert "mobilisation ×2, ultimatum ×1" in hit.reason and hit.score > 0.5


def test_rules_apply_to_their_key_types_only():
    rule = build_rule({"type": "new_term", "key_types": ["actor_pair"], "options": {"quiet_windows": 4}})
    assert rule.name == "new_term" and rule.applies_to("actor_pair") and not rule.applies_to("governorate")


@pytest.mark.parametrize("config, message", [
    ({"type": "flatline", "options": {}}, "unknown rule type"),
    ({"type": "spike", "options": {"ratio": 3, "colour": "red"}}, "unknown options"),
    ({"type": "spike", "options": {}}, "'ratio' is required"),
    ({"type": "spike", "options": {"ratio": "3"}}, "must be"),
    ({"type": "frequency", "options": {"num_events": True}}, "must be"),
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
