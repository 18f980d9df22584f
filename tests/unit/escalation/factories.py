"""Enriched reports built by hand for the escalation and matching tests."""

from rasd.schema import ActorRef, Analysis, EnrichedReport, Escalation, Place, Report, Signal
from rasd.text.normalize import normalize_ar

PLACES = {
    "Idlib": Place("خان شيخون", 0, 10, "sy-khan-shaykhun", "خان شيخون", "Khan Shaykhun", "Idlib", "C3871",
                   35.44, 36.65, "town"),
    "Hama": Place("كفرنبودة", 0, 8, "sy-kafr-nabudah", "كفرنبودة", "Kafr Nabudah", "Hama", "C2920",
                  35.43, 36.50, "town"),
    "Latakia": Place("جبل التركمان", 0, 12, "sy-jabal-turkman", "جبل التركمان", "Jabal al-Turkman", "Latakia",
                     None, 35.80, 36.05, "region"),
}
ACTORS = {
    "hts": ActorRef("hts", "هيئة تحرير الشام", "Hayat Tahrir al-Sham", "jihadist_group"),
    "syr-gov-forces": ActorRef("syr-gov-forces", "قوات النظام", "Syrian government forces", "state_force"),
    "tip": ActorRef("tip", "الحزب الإسلامي التركستاني", "Turkistan Islamic Party", "jihadist_group"),
    "sohr": ActorRef("sohr", "المرصد السوري لحقوق الإنسان", "SOHR", "monitor_ngo"),
    "opposition-factions": ActorRef("opposition-factions", "فصائل المعارضة", "Opposition armed factions (generic)",
                                    "armed_group"),
    "rus-forces": ActorRef("rus-forces", "القوات الروسية", "Russian armed forces / Russia", "state_force"),
    "tur-forces": ActorRef("tur-forces", "القوات التركية", "Turkish armed forces / Turkey", "state_force"),
    "syr-4th-div": ActorRef("syr-4th-div", "الفرقة الرابعة", "4th Armoured Division", "state_force"),
    "sdf": ActorRef("sdf", "قوات سوريا الديمقراطية", "Syrian Democratic Forces", "armed_group"),
    "us-coalition": ActorRef("us-coalition", "التحالف الدولي", "US-led coalition / US forces", "state_force"),
    "isis": ActorRef("isis", "تنظيم الدولة الإسلامية", "Islamic State (ISIS)", "jihadist_group"),
}


def make_enriched(report_id, published_at, *, governorates=("Idlib",), actors=(), event_types=("shelling",),
                  killed=None, injured=None, signals=(), score=0.0, escalatory=False, story_id=None,
                  text="قصفت قوات النظام بلدة خان شيخون بريف إدلب الجنوبي", title=None, source="SOHR"):
    """An enriched report with the given analysis facets."""
    analysis = Analysis(
        id=report_id, language="ar", actors=tuple(ACTORS[a] for a in actors),
        places=tuple(PLACES[g] for g in governorates), event_types=tuple(event_types),
        killed=killed, injured=injured,
        escalation=Escalation(score, escalatory, tuple(Signal(name, "…") for name in signals)),
    )
    report = Report(report_id, text, published_at, source, title=title)
    return EnrichedReport(report, analysis, normalize_ar(text), story_id=story_id or report_id, sources=(source,))
