from rasd.schema import Analysis, EnrichedReport, Escalation, Place, Report
from rasd.search import report_document
from rasd.text.normalize import normalize_ar


def test_a_village_outside_the_gazetteer_adds_no_empty_english_name():
    text = "قصفت قوات النظام بلدة بسنقول وكفرنبل في ريف إدلب"
    places = (Place("بسنقول", 21, 27, "rasd-unlisted", "بسنقول", "", "Idlib", "SY07", None, None, "town"),
              Place("كفرنبل", 28, 34, "gn-1", "كفرنبل", "Kafr Nabl", "Idlib", "C1", 35.6, 36.5, "town"))
    analysis = Analysis("r1", "ar", places=places, escalation=Escalation(0.5, True, ()))
    doc = report_document(EnrichedReport(Report("r1", text), analysis, normalize_ar(text)))
    assert doc["place_names_en"] == ["Kafr Nabl"]
    assert doc["place_names_ar"] == ["بسنقول", "كفرنبل"]
    assert doc["locations"] == [{"lat": 35.6, "lon": 36.5}]
    assert "text_normalized" not in doc and doc["text_search"].startswith("قصفت قوات نظام")
