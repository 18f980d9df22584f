import json

import pytest

from rasd.escalation.detector import EscalationDetector
from rasd.matching import (InvalidSubscription, SubscriptionBook, alert_id, contains_phrase, match_place,
                           match_report, match_signal, parse_query, validate_subscription)
from rasd.schema import Alert, Channel, EscalationSignal, Subscription
from tests.unit.escalation.factories import make_enriched

CLASH_TEXT = ("اندلعت اشتباكات عنيفة بين عناصر الهيئة وقوات النظام على محور كبانة في جبل الأكراد، فيما قصفت "
              "قوات النظام بالمدفعية الثقيلة بلدة خان شيخون بريف إدلب الجنوبي، وسط استنفار لهيئة تحرير الشام.")
NOW = "2018-08-10T07:00:00Z"


def _clash(report_id="r1", **facets):
    values = dict(governorates=("Idlib",), actors=("hts", "syr-gov-forces"), event_types=("armed_clash", "shelling"),
                  killed=2, text=CLASH_TEXT, title="اشتباكات في ريف إدلب")
    values.update(facets)
    return make_enriched(report_id, "2018-08-10T06:00:00Z", **values)


def _sub(**fields):
    return Subscription(**{"id": "s1", "owner": "analyst", **fields})


def _signal(**fields):
    values = dict(id="esc-1", key="Idlib", key_type="governorate", window_start="2018-08-10T06:00:00+00:00",
                  window_end="2018-08-10T12:00:00+00:00", observed=10.5, expected=0.6, score=0.97, level="high",
                  reasons=("spike: Idlib weighs 10.5",), rules=("spike",), report_ids=("r1", "r2", "r3"),
                  emitted_at="2018-08-10T07:00:00+00:00", governorate="Idlib", actor_ids=("hts",),
                  governorates=("Idlib",), event_types=("shelling",), location={"lat": 35.4, "lon": 36.6})
    values.update(fields)
    return EscalationSignal(**values)


def test_parse_query_keeps_quoted_phrases_together_in_search_form():
    assert parse_query('"هيئة تحرير الشام" بإدلب') == (("هيئه", "تحرير", "شام"), ("ادلب",))
    assert parse_query("«جبل التركمان» قصف") == (("جبل", "تركمان"), ("قصف",))
    assert parse_query("  ") == ()


def test_contains_phrase_needs_consecutive_words():
    assert contains_phrase(("هيئه", "تحرير", "شام"), ("تحرير", "شام"))
    assert not contains_phrase(("تحرير", "ريف", "شام"), ("تحرير", "شام"))


@pytest.mark.parametrize("query, matches", [
    ("ادلب", True),                      # finds "بريف إدلب"
    ("تحرير الشام", True),               # finds "لهيئة تحرير الشام"
    ('"هيئة تحرير الشام"', True),
    ("اشتباك جبل الاكراد", False),       # "اشتباك" is not a word of the text ("اشتباكات" is)
    ("اشتباكات جبل الاكراد", True),
    ("ادلب حماة", False),                # every term is required
    ('"النظام الهيئة"', False),          # not consecutive
])
def test_query_is_matched_in_search_form(query, matches):
    assert (match_report(_sub(query=query), _clash(), now=NOW) is not None) is matches


def test_actor_ids_match_whatever_alias_the_text_used():
    alert = match_report(_sub(actors=("hts", "tip")), _clash(), now=NOW)
    assert alert is not None and "actors: hts" in alert.reasons
    assert match_report(_sub(actors=("tip",)), _clash(), now=NOW) is None


def test_governorates_and_places_form_one_where_facet():
    sub = _sub(governorates=("Latakia",), places=("sy-khan-shaykhun",))
    assert "where: Khan Shaykhun" in match_report(sub, _clash(), now=NOW).reasons
    assert "where: Idlib" in match_report(_sub(governorates=("Idlib",)), _clash(), now=NOW).reasons
    assert match_report(_sub(governorates=("Hama", "Latakia")), _clash(), now=NOW) is None


def test_places_match_by_gazetteer_id_or_admin_pcode_prefix():
    assert match_place("sy-khan-shaykhun", "sy-khan-shaykhun", "C3871")
    assert match_place("SY0703", "rasd-sarmada", "SY070300")
    assert not match_place("SY07", "sy-hama", "SY05")
    assert not match_place("C38", "gn-1", "C3871")


def test_event_types_and_minimum_severity():
    assert match_report(_sub(event_types=("airstrike",)), _clash(), now=NOW) is None
    alert = match_report(_sub(event_types=("armed_clash", "military_buildup"), min_severity="medium"), _clash(),
                         now=NOW)
    assert alert.severity == "medium" and "severity medium ≥ medium" in alert.reasons
    assert match_report(_sub(min_severity="high"), _clash(), now=NOW) is None
    protest = make_enriched("p", "2018-08-10T06:00:00Z", event_types=("protest",))
    assert match_report(_sub(min_severity="medium"), protest, now=NOW) is None


def test_minimum_escalation_score():
    assert match_report(_sub(min_escalation=0.5), _clash(score=0.3), now=NOW) is None
    alert = match_report(_sub(min_escalation=0.5), _clash(score=0.7), now=NOW)
    assert "escalation 0.70 ≥ 0.50" in alert.reasons


def test_report_alert_carries_the_report_and_a_deterministic_id():
    sub = _sub(query="ادلب", actors=("hts",), governorates=("Idlib",), event_types=("armed_clash",))
    alert = match_report(sub, _clash(), now=NOW)
    assert alert.id == alert_id("s1", "report", "r1") == match_report(sub, _clash(), now=NOW).id
    assert alert.id != alert_id("s2", "report", "r1")
    assert alert.kind == "report" and alert.report_id == "r1" and alert.signal_id is None
    assert alert.reasons == ("text matches ادلب", "where: Idlib", "actors: hts", "event types: armed_clash",
                             "severity medium ≥ low")
    assert alert.title == "اشتباكات في ريف إدلب" and alert.actor_ids == ("hts", "syr-gov-forces")
    assert alert.locations == ({"lat": 35.44, "lon": 36.65},)
    assert alert.created_at == "2018-08-10T07:00:00+00:00" and alert.published_at == "2018-08-10T06:00:00Z"
    assert Alert.from_dict(json.loads(json.dumps(alert.to_dict()))) == alert


def test_inactive_subscription_and_failed_analysis_never_match():
    assert match_report(_sub(active=False), _clash(), now=NOW) is None
    failed = _clash()
    failed = failed.__class__(failed.report, failed.analysis.failed("r1", "empty_text", "no text"), "")
    assert match_report(_sub(), failed, now=NOW) is None


def test_signals_match_only_when_included_and_by_their_facets():
    assert match_signal(_sub(governorates=("Idlib",)), _signal(), now=NOW) is None
    sub = _sub(governorates=("Idlib",), include_signals=True, min_severity="medium", query="لا يطبق على الإشارات")
    alert = match_signal(sub, _signal(), now=NOW)
    assert alert.kind == "signal" and alert.signal_id == "esc-1" and alert.report_id is None
    assert alert.severity == "high" and alert.title.startswith("Escalation high in Idlib: 10.5")
    assert alert.reasons[0] == "where: Idlib" and alert.reasons[-1] == "spike: Idlib weighs 10.5"
    assert alert.locations == ({"lat": 35.4, "lon": 36.6},) and alert.published_at == "2018-08-10T07:00:00+00:00"
    assert match_signal(_sub(governorates=("Hama",), include_signals=True), _signal(), now=NOW) is None
    assert match_signal(_sub(include_signals=True, min_severity="high"), _signal(level="medium"), now=NOW) is None
    assert match_signal(_sub(include_signals=True, min_escalation=0.99), _signal(), now=NOW) is None


def test_actor_pair_signal_matches_an_actor_subscription():
    pair = _signal(key="hts|syr-gov-forces", key_type="actor_pair", governorate=None,
                   actor_ids=("hts", "syr-gov-forces"), governorates=("Hama",))
    alert = match_signal(_sub(actors=("syr-gov-forces",), include_signals=True), pair, now=NOW)
    assert alert.title.startswith("Escalation high between hts and syr-gov-forces")
    assert "actors: syr-gov-forces" in alert.reasons


def test_signals_from_the_detector_reach_a_subscription():
    detector = EscalationDetector.from_data()
    signals = []
    for i in range(4):  # a cold-start burst is emitted from four violent reports (three stay "low")
        signals += detector.observe(make_enriched(f"b{i}", f"2018-08-10T06:{i}0:00Z", killed=3))
    book = SubscriptionBook((_sub(governorates=("idlib",), include_signals=True),))
    assert signals, "four violent reports in one window must raise a signal"
    assert [a.signal_id for a in book.alerts_for_signal(signals[0], now=NOW)] == [signals[0].id]


@pytest.mark.parametrize("fields, message", [
    ({"governorates": ("Idleb",)}, "unknown governorate"),
    ({"event_types": ("battle",)}, "unknown event types"),
    ({"min_severity": "critical"}, "min_severity"),
    ({"min_escalation": 2.0}, "min_escalation"),
    ({"throttle_seconds": -1}, "throttle_seconds"),
    ({"channels": (Channel("pigeon", "x"),)}, "bad channel"),
    ({"id": ""}, "needs an id"),
])
def test_malformed_subscriptions_are_refused(fields, message):
    with pytest.raises(InvalidSubscription, match=message):
        validate_subscription(_sub(**fields))


def test_validation_canonicalises_governorate_labels():
    assert validate_subscription(_sub(governorates=("idlib", "DEIR EZ-ZOR"))).governorates == ("Idlib",
                                                                                              "Deir ez-Zor")


def test_book_follows_the_compacted_subscriptions_topic():
    book = SubscriptionBook()
    stored = book.apply("s1", {"owner": "analyst", "actors": ["hts"], "channels": [{"type": "sse", "target": "a"}]})
    assert stored.id == "s1" and book.get("s1").channels == (Channel("sse", "a"),) and len(book) == 1
    book.apply_message({"id": "s1", "subscription": {"id": "s1", "owner": "analyst", "actors": ["tip"]}})
    assert book.get("s1").actors == ("tip",)
    book.apply("s1", None)
    assert book.get("s1") is None and len(book) == 0
    with pytest.raises(InvalidSubscription, match="differs"):
        book.apply("s2", {"id": "s3", "owner": "x"})
    with pytest.raises(InvalidSubscription):
        book.apply("s4", {"owner": "x", "throttle_seconds": "often"})


def test_book_round_trips_subscriptions_as_dicts():
    sub = _sub(actors=("hts",), channels=(Channel("webhook", "https://example.org/hook"),), throttle_seconds=60)
    assert Subscription.from_dict(json.loads(json.dumps(sub.to_dict()))) == sub


def test_one_alert_per_story_and_throttle_window_with_a_digest():
    book = SubscriptionBook((_sub(actors=("hts",), throttle_seconds=600), _sub(id="s2", owner="desk")))
    first = book.evaluate_report(_clash("r1", story_id="story-1"), now="2018-08-10T07:00:00Z")
    assert [(d.subscription_id, d.delivered) for d in first] == [("s1", True), ("s2", True)]
    again = book.evaluate_report(_clash("r2", story_id="story-1", source="SANA"), now="2018-08-10T07:05:00Z")
    assert [(d.subscription_id, d.delivered) for d in again] == [("s1", False), ("s2", True)]
    assert again[0].reason.startswith("throttled: s1 alerted on story:story-1 at 2018-08-10T07:00:00+00:00")
    other_story = book.alerts_for_report(_clash("r3", story_id="story-2"), now="2018-08-10T07:06:00Z")
    assert [a.subscription_id for a in other_story] == ["s1", "s2"]
    assert book.digest("s1") == {"story:story-1": 1}
    later = book.evaluate_report(_clash("r4", story_id="story-1"), now="2018-08-10T07:11:00Z")
    assert later[0].delivered and "1 alerts on story:story-1 suppressed" in later[0].reason
    assert book.digest("s1", reset=True) == {"story:story-1": 1} and book.digest("s1") == {}
    json.dumps(dict(book.throttle))
    book.delete("s1")
    assert not any(key.startswith("s1|") for key in book.throttle)


def test_signals_are_throttled_per_key():
    book = SubscriptionBook((_sub(include_signals=True, throttle_seconds=3600),))
    assert len(book.alerts_for_signal(_signal(), now="2018-08-10T07:00:00Z")) == 1
    assert book.alerts_for_signal(_signal(id="esc-2"), now="2018-08-10T07:30:00Z") == []
    assert len(book.alerts_for_signal(_signal(id="esc-3", key="Hama", governorate="Hama"),
                                      now="2018-08-10T07:30:00Z")) == 1
    assert book.digest("s1") == {"governorate:Idlib": 1}
