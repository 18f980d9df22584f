from rasd.schema import (ActorRef, Analysis, EnrichedReport, Entity, Escalation, Event, Place, Report, Signal)

CONTRACT_KEYS = {"id", "language", "entities", "actors", "places", "event_types", "events", "killed", "injured",
                 "escalation", "error"}


def _analysis() -> Analysis:
    return Analysis(
        id="r1", language="ar",
        entities=(Entity("هيئة تحرير الشام", "ORG", 1, 17, "hts", "Hayat Tahrir al-Sham"),),
        actors=(ActorRef("hts", "هيئة تحرير الشام", "Hayat Tahrir al-Sham", "jihadist_group"),),
        places=(Place("إدلب", 20, 24, "sy-idlib", "إدلب", "Idlib", "Idlib", "SY07", 35.9, 36.6, "governorate"),),
        event_types=("armed_clash",), events=(Event("armed_clash", "اشتباكات", 30, 38),),
        killed=3, injured=None, escalation=Escalation(0.7, True, (Signal("new_fighting", "اشتباكات"),)),
    )


def test_analysis_dict_has_exactly_the_contract_keys():
    d = _analysis().to_dict()
    assert set(d) == CONTRACT_KEYS
    assert d["entities"][0] == {"text": "هيئة تحرير الشام", "type": "ORG", "start": 1, "end": 17,
                                "canonical_id": "hts", "canonical_name_en": "Hayat Tahrir al-Sham"}
    assert d["escalation"] == {"score": 0.7, "escalatory": True,
                               "signals": [{"name": "new_fighting", "evidence_text": "اشتباكات"}]}
    assert d["error"] is None


def test_failed_analysis_carries_the_error():
    d = Analysis.failed("x", "invalid_json", "bad").to_dict()
    assert d["error"] == {"code": "invalid_json", "message": "bad"}
    assert d["entities"] == [] and d["killed"] is None and set(d) == CONTRACT_KEYS


def test_enriched_report_round_trips():
    enriched = EnrichedReport(Report("r1", "نص"), _analysis(), "نص", story_id="s1", sources=("SOHR",))
    assert EnrichedReport.from_dict(enriched.to_dict()) == enriched
