import pytest

from rasd.errors import DataError
from rasd.escalation.weights import ReportWeighting, rank_severity
from rasd.resources import load_json
from rasd.schema import Analysis
from tests.unit.escalation.factories import make_enriched


@pytest.fixture(scope="module")
def weighting():
    return ReportWeighting.from_data()


def _analysis(**facets) -> Analysis:
    return make_enriched("r", "2018-08-10T06:00:00Z", **facets).analysis


def test_heaviest_event_counts_fully_and_the_others_a_quarter(weighting):
    assert weighting.weigh_events(("airstrike", "displacement")) == pytest.approx(3.25)
    assert weighting.weigh_events(()) == 0.0
    assert weighting.weigh_events(("negotiation",)) == 0.0


def test_casualties_add_a_capped_logarithmic_term(weighting):
    assert weighting.weigh_casualties(3, None) == pytest.approx(1.0)
    assert weighting.weigh_casualties(1000, 1000) == pytest.approx(2.5)
    assert weighting.weigh_casualties(None, None) == 0.0


def test_airstrike_with_deaths_is_violent_and_severe(weighting):
    weight = weighting.weigh(_analysis(event_types=("airstrike",), killed=4))
    assert weight.weight == pytest.approx(4.1610, abs=1e-3)
    assert weight.violent and weight.severe


def test_protest_is_neither_violent_nor_severe(weighting):
    weight = weighting.weigh(_analysis(event_types=("protest",)))
    assert weight.weight == 0.5 and not weight.violent and not weight.severe


def test_indicators_weigh_known_names_and_unknown_ones_only_when_escalatory(weighting):
    weight = weighting.weigh(_analysis(event_types=("military_buildup",),
                                       signals=("mobilisation", "ultimatum_threat")))
    assert weight.indicators == ("mobilisation", "ultimatum_threat") and weight.indicator_weight == 2.0
    assert weight.weight == pytest.approx(3.5)
    assert not weight.severe  # no violence yet
    calm = weighting.weigh(_analysis(event_types=(), signals=("something_new",), escalatory=False))
    assert calm.indicators == () and calm.weight == 0.0
    hot = weighting.weigh(_analysis(event_types=(), signals=("something_new",), escalatory=True))
    assert hot.indicators == ("something_new",) and hot.weight == 0.5


def test_indicators_raised_by_the_events_themselves_add_nothing(weighting):
    """new_fighting and heavy_weapons come with every shelling: the event already counts."""
    plain = weighting.weigh(_analysis(event_types=("shelling",)))
    echoed = weighting.weigh(_analysis(event_types=("shelling",), signals=("new_fighting", "heavy_weapons"),
                                       escalatory=True))
    assert echoed.weight == plain.weight == 2.5 and echoed.indicators == ()


def test_indicator_names_follow_the_analysis_lexicon(weighting):
    lexicon = load_json("lexicons/escalation.json")["signals"]
    assert set(weighting.config["indicator_weights"]) == set(lexicon)
    escalatory = {name for name, rule in lexicon.items() if rule["polarity"] == "escalation"}
    assert {name for name, w in weighting.config["indicator_weights"].items() if w > 0} <= escalatory
    assert set(weighting.config["indicator_labels"]) <= escalatory


def test_de_escalatory_indicators_weigh_nothing(weighting):
    weight = weighting.weigh(_analysis(event_types=("negotiation",), signals=("truce",), escalatory=False))
    assert weight.weight == 0.0 and weight.indicators == ()


def test_failed_analysis_weighs_nothing(weighting):
    assert weighting.weigh(Analysis.failed("r", "empty_text", "no text")).weight == 0.0


@pytest.mark.parametrize("facets, level", [
    ({"event_types": ("protest",)}, "low"),
    ({"event_types": ("negotiation",)}, "low"),
    ({"event_types": ("shelling",)}, "medium"),
    ({"event_types": ("raid_arrest",), "killed": 1}, "medium"),
    ({"event_types": ("protest",), "score": 0.5}, "medium"),
    ({"event_types": ("airstrike",), "killed": 4}, "medium"),
    ({"event_types": ("airstrike",), "killed": 10}, "high"),
    ({"event_types": ("armed_clash",), "score": 0.8}, "high"),
])
def test_report_severity(weighting, facets, level):
    assert weighting.rate_severity(_analysis(**facets)) == level


def test_only_forces_and_armed_groups_form_actor_pairs(weighting):
    assert weighting.is_combatant("jihadist_group") and weighting.is_combatant("state_force")
    assert not weighting.is_combatant("monitor_ngo") and not weighting.is_combatant("media")


def test_rank_severity_orders_levels_and_refuses_unknown_ones():
    assert rank_severity("low") < rank_severity("medium") < rank_severity("high")
    with pytest.raises(DataError):
        rank_severity("critical")
