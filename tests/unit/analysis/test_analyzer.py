"""Tests of the analysis glue (rasd.analysis.analyzer): the conventions of eval/README.md.

Most tests use a stand-in tagger with fixed spans, so they test the glue and not
the statistical model; the seed-report tests use the bundled model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from rasd.analysis.actors import ActorDictionary
from rasd.analysis.analyzer import Analyzer
from rasd.analysis.ner import EntitySpan
from rasd.analysis.places import UNLISTED_ID, Gazetteer
from rasd.schema import Analysis, Report

SEED = (Path(__file__).parents[3] / "../shared/seed/sohr-2018-08-idlib-negotiations.txt").resolve()


@dataclass
class FixedTagger:
    """A tagger that returns the spans it was given for the words it was given."""

    spans: list[tuple[str, str]]  # (type, text as written)

    def tag(self, text: str) -> list[EntitySpan]:
        out = []
        for entity_type, written in self.spans:
            start = text.index(written)
            out.append(EntitySpan(entity_type, written, start, start + len(written)))
        return out


def analyze(text: str, year: int = 2019, spans: list[tuple[str, str]] | None = None) -> Analysis:
    analyzer = Analyzer(ActorDictionary.from_data(), Gazetteer.from_data(), FixedTagger(spans or []))
    return analyzer.analyze(Report(id="t", text=text, published_at=f"{year}-06-01T12:00:00+03:00"))


def entities(analysis: Analysis) -> list[tuple[str, str, str | None]]:
    return [(e.text, e.type, e.canonical_id) for e in analysis.entities]


def check_contract(text: str, analysis: Analysis) -> None:
    """Offsets index the text; every LOC entity lies inside a place."""
    for item in (*analysis.entities, *analysis.places):
        assert text[item.start : item.end] == item.text
    for entity in analysis.entities:
        if entity.type == "LOC":
            assert any(p.start <= entity.start and entity.end <= p.end for p in analysis.places), entity


# ---------------------------------------------------------------- actors


def test_formations_are_reported_as_the_body_they_belong_to():
    text = "قصفت الفرقة الرابعة أحياء درعا البلد، وتدخلت الشرطة العسكرية الروسية، وهاجم الفيلق الثالث مواقع في عفرين."
    analysis = analyze(text, 2021)
    orgs = [(e.text, e.canonical_id) for e in analysis.entities if e.type == "ORG"]
    assert orgs == [("الفرقة الرابعة", "syr-gov-forces"), ("الشرطة العسكرية الروسية", "rus-forces"),
                    ("الفيلق الثالث", "sna")]
    assert [a.id for a in analysis.actors] == ["syr-gov-forces", "rus-forces", "sna"]
    check_contract(text, analysis)


def test_named_factions_keep_their_own_id():
    analysis = analyze("اشتبكت حركة أحرار الشام مع جيش الإسلام", 2016)
    assert [e.canonical_id for e in analysis.entities] == ["ahrar-al-sham", "jaish-al-islam"]


def test_one_id_for_the_state_across_the_fall_of_assad():
    before = analyze("قالت الحكومة السورية إن القوات الحكومية سيطرت على البلدة", 2016)
    after = analyze("قالت الحكومة السورية إن القوات الحكومية سيطرت على البلدة، وأعلنت وزارة الدفاع انتهاء العملية",
                    2025)
    assert [e.canonical_id for e in before.entities] == ["syr-gov", "syr-gov-forces"]
    assert [e.canonical_id for e in after.entities] == ["syr-gov", "syr-gov-forces", "syr-mod"]


def test_anaphors_and_head_patterns_are_actor_evidence_not_entities():
    text = "هاجمت هيئة تحرير الشام نقاطاً، وقالت الهيئة إن طائرات حربية روسية قصفت مواقعها."
    analysis = analyze(text, spans=[("ORG", "الهيئة")])
    assert entities(analysis) == [("هيئة تحرير الشام", "ORG", "hts")]
    assert [a.id for a in analysis.actors] == ["hts", "rus-forces"]


def test_group_nouns_and_abuse_adjectives_are_outside_the_name():
    text = "بسطت وحدات من الجيش العربي السوري سيطرتها بعد معارك مع إرهابيي تنظيم داعش الإرهابي ومقاتلي المعارضة."
    analysis = analyze(text, 2018)
    assert [(e.text, e.canonical_id) for e in analysis.entities if e.type == "ORG"] == [
        ("الجيش العربي السوري", "syr-gov-forces"), ("تنظيم داعش", "isis"), ("المعارضة", "opposition-factions")]


def test_a_country_is_a_place_not_an_entry_of_the_actors_list():
    text = "وصلت تعزيزات عسكرية إلى إدلب قادمة من تركيا"
    analysis = analyze(text)
    assert entities(analysis)[-1][:2] == ("تركيا", "LOC")
    assert [p.text for p in analysis.places] == ["إدلب", "تركيا"]
    assert analysis.actors == ()


def test_tagged_anaphor_is_dropped_and_tagged_name_is_resolved():
    text = "أعلنت الهيئة العامة للإغاثة أن المرصد وثق الهجوم، وقال فيلق الرحمن إنه صده."
    analysis = analyze(text, 2017, spans=[("ORG", "المرصد"), ("ORG", "فيلق الرحمن")])
    assert ("المرصد", "ORG", None) not in entities(analysis)
    assert ("فيلق الرحمن", "ORG", "faylaq-al-rahman") in entities(analysis)


def test_latin_form_in_brackets_is_a_second_mention_of_the_same_entity():
    text = "وقال المبعوث الأمريكي توم باراك (Tom Barrack) إن الأطراف اتفقت"
    analysis = analyze(text, 2025, spans=[("PER", "توم باراك"), ("ORG", "Tom Barrack")])
    assert entities(analysis) == [("توم باراك", "PER", None), ("Tom Barrack", "PER", None)]


# ---------------------------------------------------------------- places


@pytest.mark.parametrize(
    ("text", "entity", "place", "governorate"),
    [
        ("اشتباكات في ريف حلب الغربي", "حلب", "ريف حلب الغربي", "Aleppo"),
        ("مظاهرات في مدن وبلدات بمحافظة درعا", "درعا", "محافظة درعا", "Daraa"),
        ("توتر في جبال اللاذقية الشمالية", "اللاذقية", "جبال اللاذقية الشمالية", "Latakia"),
        ("قصف على شمال حماة", "حماة", "شمال حماة", "Hama"),
        ("قصف في بادية السلمية", "السلمية", "بادية السلمية", "Hama"),
        ("اشتباكات في حي جوبر", "جوبر", "حي جوبر", "Damascus"),
        ("انسحبت القوات من مواقعها في ريف دمشق الجنوبي", "ريف دمشق", "ريف دمشق الجنوبي", "Rif Dimashq"),
        ("نزوح من قرى سهل الغاب", "سهل الغاب", "سهل الغاب", "Hama"),
        ("غارات على جبل الزاوية", "جبل الزاوية", "جبل الزاوية", "Idlib"),
        ("سيطرت على معبر نصيب الحدودي مع الأردن", "معبر نصيب", "معبر نصيب الحدودي", "Daraa"),
        ("تظاهرات في مدينة القامشلي، شمال شرقي سوريا", "سوريا", "شمال شرقي سوريا", None),
    ],
)
def test_loc_entity_is_the_toponym_and_the_place_the_phrase(text, entity, place, governorate):
    analysis = analyze(text)
    found = [(p.text, p.governorate) for p in analysis.places]
    assert (place, governorate) in found
    assert (entity, "LOC") in [(e.text, e.type) for e in analysis.entities]
    check_contract(text, analysis)


def test_villages_the_gazetteer_lacks_take_the_governorate_of_their_sentence():
    text = ("بسطت وحدات من الجيش العربي السوري سيطرتها على بلدات مسحرة ومجدوليا في ريف القنيطرة الأوسط. "
            "وقصفت قوات النظام أحياء الفردوس والثكنة في مدينة الرقة.")
    analysis = analyze(text, 2018)
    unlisted = [(p.text, p.governorate) for p in analysis.places if p.gazetteer_id == UNLISTED_ID]
    assert unlisted == [("مسحرة", "Quneitra"), ("مجدوليا", "Quneitra"), ("الفردوس", "Raqqa"), ("الثكنة", "Raqqa")]
    check_contract(text, analysis)


def test_an_unlisted_place_named_again_keeps_its_governorate():
    text = ("خرجت الحافلات من حلب عبر منطقة العامرية نحو ريف حلب الغربي. "
            "وكانت الفصائل تحاصر بلدتي الفوعة وكفريا في ريف إدلب. "
            "وأطلق مسلحون النار عند أطراف منطقة العامرية.")
    analysis = analyze(text, 2016)
    assert [p.governorate for p in analysis.places if p.text == "العامرية"] == ["Aleppo", "Aleppo"]


def test_everyday_words_the_tagger_calls_places_are_dropped():
    text = "قتل مقاتلون من جنسيات غير سورية قرب المدينة"
    analysis = analyze(text, spans=[("LOC", "سورية"), ("LOC", "المدينة")])
    assert analysis.places == () and analysis.entities == ()


def test_tagged_words_with_tanween_or_of_groups_are_no_names():
    text = "قتل 13 عسكرياً سورياً، وقال إن العمل جارٍ لحماية الدروز"
    analysis = analyze(text, spans=[("LOC", "سورياً"), ("PER", "جارٍ"), ("LOC", "الدروز")])
    assert analysis.entities == () and analysis.places == ()


def test_a_named_square_keeps_its_head_and_the_city_after_it():
    text = "تظاهر مئات المحتجين في ساحة الكرامة وسط مدينة السويداء"
    analysis = analyze(text, 2023)
    assert [(p.text, p.governorate) for p in analysis.places] == [("ساحة الكرامة", "As-Suwayda"),
                                                                    ("السويداء", "As-Suwayda")]


# ---------------------------------------------------------------- the real model


def test_seed_report_follows_the_conventions_and_is_fast():
    text = SEED.read_text(encoding="utf-8")
    analyzer = Analyzer.pretrained()
    report = Report(id="seed", text=text, published_at="2018-08-25T12:00:00+03:00")
    analysis = analyzer.analyze(report)
    check_contract(text, analysis)
    assert {"hts", "tip", "syr-gov-forces", "opposition-factions", "sohr", "ahmed-al-sharaa"} <= {
        a.id for a in analysis.actors}
    assert "pro-gov-militias" not in {a.id for a in analysis.actors}
    loc = {e.text for e in analysis.entities if e.type == "LOC"}
    assert {"اللاذقية", "إدلب", "سهل الغاب"} <= loc and "جبال اللاذقية" not in loc
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        analyzer.analyze(report)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.060


# ---------------------------------------------------------------- robustness pass


def test_transitional_government_forces_are_the_state_forces():
    text = "هاجمت خلية تابعة لتنظيم داعش نقطة لقوات الحكومة الانتقالية في بادية الميادين."
    assert ("قوات الحكومة الانتقالية", "ORG", "syr-gov-forces") in entities(analyze(text, year=2025))


@pytest.mark.parametrize("group", ["دروز", "علويين", "أكراد"])
def test_a_tagged_ethnic_or_religious_group_is_no_place(group):
    text = f"اندلعت اشتباكات بين قوات الحكومة السورية ومقاتلين {group} في السويداء."
    analysis = analyze(text, year=2025, spans=[("LOC", group)])
    assert [e.text for e in analysis.entities if e.type == "LOC"] == ["السويداء"]
    assert [p.text for p in analysis.places] == ["السويداء"]
