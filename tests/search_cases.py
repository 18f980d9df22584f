"""The reports every search backend (Elasticsearch, SQLite) is tested on, and the filter cases it must answer alike.

The three reports (ids ``r-idlib``, ``r-hama``, ``r-damascus``) and the signal are built from
rasd.schema dataclasses; the backends' test modules index them (through
rasd.search.report_document) and run the one table of filters, so the backends cannot drift apart.
"""

from rasd.schema import ActorRef, Analysis, EnrichedReport, Escalation, EscalationSignal, Place, Report, Signal
from rasd.text.normalize import normalize_ar

HTS = ActorRef("hts", "هيئة تحرير الشام", "Hay'at Tahrir al-Sham", "jihadist_group")
REGIME = ActorRef("syr-gov-forces", "قوات النظام", "Syrian government forces", "state_force")
NFL = ActorRef("nfl", "الجبهة الوطنية للتحرير", "National Front for Liberation", "armed_group")


def place(text: str, pid: str, name_en: str, governorate: str, lat: float, lon: float) -> Place:
    return Place(text, 0, len(text), pid, text, name_en, governorate, pid, lat, lon, "town")


def enriched(report: Report, *, actors, places, event_types, score: float) -> EnrichedReport:
    analysis = Analysis(id=report.id, language="ar", actors=tuple(actors), places=tuple(places),
                        event_types=tuple(event_types),
                        escalation=Escalation(score, score >= 0.5,
                                              (Signal("violent_event", "قصف"),) if score >= 0.5 else ()))
    return EnrichedReport(report, analysis, normalized_text=normalize_ar(report.text), sources=(report.source,),
                          analyzed_at="2024-01-01T00:00:00+00:00")


REPORTS = [
    enriched(Report("r-idlib", "قصفت قوات النظام بلدات بإدلب، واندلعت اشتباكات مع هيئة تحرير الشام في ريف إدلب "
                               "الجنوبي.", "2018-08-20T12:00:00+00:00", "SOHR", None, "قصف واشتباكات في إدلب"),
             actors=[REGIME, HTS], places=[place("إدلب", "SY07", "Idlib", "Idlib", 35.93, 36.63)],
             event_types=["shelling", "armed_clash"], score=0.8),
    # 11:30 at +03:00 is 08:30 UTC: bounds are compared as instants, not as text
    enriched(Report("r-hama", "اشتباكات في ريف حماة الشمالي بين قوات النظام والجبهة الوطنية للتحرير.",
                    "2018-09-05T11:30:00+03:00", "SANA", None, "اشتباكات في ريف حماة"),
             actors=[REGIME, NFL], places=[place("حماة", "SY05", "Hama", "Hama", 35.13, 36.75)],
             event_types=["armed_clash"], score=0.4),
    enriched(Report("r-damascus", "خرج محتجون في دمشق مطالبين بالإفراج عن المعتقلين.",
                    "2019-01-10T18:00:00+00:00", "Enab Baladi", None, "Protest in Damascus"),
             actors=[], places=[place("دمشق", "SY01", "Damascus", "Damascus", 33.51, 36.29)],
             event_types=["protest"], score=0.1),
]

SIGNAL = EscalationSignal(
    id="sig-idlib-1", key="Idlib", key_type="governorate", window_start="2018-08-20T00:00:00+00:00",
    window_end="2018-08-21T00:00:00+00:00", observed=6.0, expected=1.5, score=0.9, level="high",
    reasons=("6.0 weighted events vs 1.5 expected",), rules=("spike",), report_ids=("r-idlib",),
    emitted_at="2018-08-21T00:00:01+00:00", governorate="Idlib", actor_ids=("hts", "syr-gov-forces"),
    location={"lat": 35.93, "lon": 36.63})


FILTER_CASES = [
    ({"governorate": "Hama"}, {"r-hama"}),
    ({"governorate": ["Hama", "Damascus"]}, {"r-hama", "r-damascus"}),
    ({"actor": "syr-gov-forces"}, {"r-idlib", "r-hama"}),
    ({"actor": ["hts", "nfl"]}, {"r-idlib", "r-hama"}),
    ({"actor": "hts", "governorate": "Hama"}, set()),
    ({"place": "SY01"}, {"r-damascus"}),
    ({"event_type": "armed_clash"}, {"r-idlib", "r-hama"}),
    ({"since": "2018-09-01"}, {"r-hama", "r-damascus"}),
    ({"until": "2018-08-20"}, {"r-idlib"}),  # a bare date includes its whole day
    ({"since": "2018-09-05T08:30:00Z", "until": "2018-09-05T08:30:00Z"}, {"r-hama"}),
    ({"min_escalation": 0.5}, {"r-idlib"}),
    ({"q": "اشتباكات", "governorate": "Idlib"}, {"r-idlib"}),
]
