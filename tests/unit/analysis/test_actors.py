"""Tests of the actor dictionary (rasd/data/actors.json) and its resolver."""

from __future__ import annotations

import copy
import dataclasses
import json
import time
from pathlib import Path

import pytest

from rasd.analysis.actors import ActorDictionary, ActorMention, normalize_alias_tokens
from rasd.errors import DataError
from rasd.resources import load_json
from rasd.schema import ACTOR_KINDS, ActorRef

SEED = (Path(__file__).parents[3] / "../shared/seed/sohr-2018-08-idlib-negotiations.txt").resolve()


@pytest.fixture(scope="module")
def actors() -> ActorDictionary:
    return ActorDictionary.from_data()


def ids(mentions: list[ActorMention]) -> list[str]:
    return [m.actor_id for m in mentions]


def pairs(mentions: list[ActorMention]) -> list[tuple[str, str]]:
    return [(m.actor_id, m.text) for m in mentions]


def alias_text(item) -> str:
    return item if isinstance(item, str) else item["text"]


def alias_year(item, record) -> int:
    if isinstance(item, dict) and item.get("years"):
        return item["years"][0]
    return record["active"][0]


# ---------------------------------------------------------------- the data file


def test_dictionary_has_at_least_100_actors_with_valid_fields(actors):
    assert len(actors) >= 100
    for record in actors:
        assert record.kind in ACTOR_KINDS, record.id
        assert record.entity_type in ("ORG", "PER"), record.id
        assert (record.kind == "person") == (record.entity_type == "PER"), record.id
        assert record.name_ar and record.name_en and record.affiliation, record.id
        assert record.parent is None or record.parent in actors, record.id


def test_required_actors_are_present(actors):
    for actor_id in ("hts", "syr-gov-forces", "tip", "sdf", "ypg", "isis", "tur-forces", "rus-forces", "irn-forces",
                     "us-coalition", "isr-forces", "hezbollah", "sohr", "sna", "nfl", "syr-mod-forces",
                     "syr-general-security", "bashar-al-assad", "ahmed-al-sharaa", "white-helmets", "sana"):
        assert actor_id in actors, actor_id


AGREED_LIST = Path(__file__).parents[3] / "eval/src/actors.json"


def test_every_id_of_the_agreed_list_is_reported_as_itself(actors):
    agreed = {k: v for k, v in json.loads(AGREED_LIST.read_text(encoding="utf-8")).items() if not k.startswith("_")}
    for actor_id, entry in agreed.items():
        assert actor_id in actors, actor_id
        assert actors.reported(actor_id).id == actor_id, actor_id
        assert (actors.get(actor_id).kind == "person") == (entry["kind"] == "person"), actor_id


def test_roll_up_targets_are_on_the_agreed_list(actors):
    agreed = set(json.loads(AGREED_LIST.read_text(encoding="utf-8")))
    rolled = [r for r in actors if r.report_as]
    assert {r.id for r in rolled} >= {"syr-4th-div", "third-legion", "rus-military-police", "dz-military-council",
                                      "pro-gov-militias", "unsc", "syr-transitional-gov", "syr-mod-forces"}
    for record in rolled:
        assert record.report_as in agreed, record.id
    for faction in ("ahrar-al-sham", "jaish-al-islam", "zenki", "baath-party", "levant-front"):
        assert actors.get(faction).report_as is None, faction


def test_data_file_states_its_provenance():
    document = load_json("actors.json")
    assert "No dataset was copied" in document["provenance"]
    assert "context_licence" in document["rules"] and "era_rule" in document["rules"]


def test_every_full_alias_resolves_to_its_own_actor(actors):
    failures = []
    for record in load_json("actors.json")["actors"]:
        for field in ("aliases_ar", "title_aliases_ar", "country_aliases_ar"):
            for item in record.get(field, ()):
                got = actors.resolve(alias_text(item), year=alias_year(item, record))
                if got != record["id"]:
                    failures.append((record["id"], alias_text(item), got))
        for name in record.get("aliases_en", ()):
            if actors.resolve(name) != record["id"]:
                failures.append((record["id"], name, actors.resolve(name)))
    assert failures == []


def test_no_normalised_alias_names_two_actors_without_a_rule(actors):
    """A full alias may be shared only across the 2024 boundary; context aliases are licensed."""
    document = load_json("actors.json")
    years_of: dict[tuple[str, ...], dict[str, tuple]] = {}
    for record in document["actors"]:
        for item in record.get("aliases_ar", ()):
            key = normalize_alias_tokens(alias_text(item))
            years = tuple(item["years"]) if isinstance(item, dict) else tuple(record["active"])
            years_of.setdefault(key, {})[record["id"]] = years
    for key, owners in actors.alias_owners().items():
        actor_ids = {actor_id for actor_id, _ in owners}
        if len(actor_ids) < 2:
            continue
        vias = {via for _, via in owners}
        assert vias == {"context"} or "context" not in vias, (key, owners)
        if vias == {"context"}:
            continue
        spans = sorted(years_of.get(key, {}).values())
        if len(spans) == 2:  # a name listed with years: the two ranges must not overlap
            (_, first_last), (second_first, _) = spans
            assert first_last is not None and first_last < second_first, (key, spans)


def test_context_aliases_are_not_resolved_without_context(actors):
    for short in ("الهيئة", "الحزب", "التنظيم", "الجيش", "الفصائل", "النظام", "المرصد"):
        assert actors.resolve(short) is None, short


def test_generic_words_are_not_actors(actors):
    for word in ("القوات", "عناصر", "المسلحين", "العشائر", "المعارضة", "القاعدة", "الجزيرة", "الميادين"):
        assert actors.resolve(word) is None, word


def test_titles_do_not_embed_other_actors_names(actors):
    full = {key for key, owners in actors.alias_owners().items() if any(v in ("name", "country") for _, v in owners)}
    for record in load_json("actors.json")["actors"]:
        for item in record.get("title_aliases_ar", ()):
            tokens = normalize_alias_tokens(alias_text(item))
            inner = [tokens[i:j] for i in range(len(tokens)) for j in range(i + 1, len(tokens) + 1)]
            assert not [t for t in inner if t in full], (record["id"], alias_text(item))


# ---------------------------------------------------------------- resolve()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("قوات النظام", "syr-gov-forces"),
        ("الجيش العربي السوري", "syr-gov-forces"),
        ("قوات الحكومة", "syr-gov-forces"),
        ("القوات الحكومية", "syr-gov-forces"),
        ("جيش النظام", "syr-gov-forces"),
        ("ميليشيات الأسد", "syr-gov-forces"),
        ("قسد", "sdf"),
        ("قوات سورية الديموقراطية", "sdf"),
        ("داعش", "isis"),
        ("تنظيم الدولة", "isis"),
        ("جبهة النصرة", "hts"),
        ("جبهة فتح الشام", "hts"),
        ("التركستان", "tip"),
        ("المرصد السوري", "sohr"),
        ("الخوذ البيضاء", "white-helmets"),
        ("العمشات", "amshat"),
        ("الحرس الثوري الإيراني", "irn-forces"),
        ("كتائب حزب الله", "kataib-hezbollah"),
        ("حزب الله", "hezbollah"),
        ("أبو محمد الجولاني", "ahmed-al-sharaa"),
        ("هَيْئَةُ تَحْرِيرِ الشَّام", "hts"),
        ("وهيئة تحرير الشام", "hts"),
        ("للمرصد السوري", "sohr"),
        ("عناصر تنظيم داعش الإرهابي", "isis"),
        ("مقاتلي هيئة تحرير الشام", "hts"),
        ("ميليشيا قسد", "sdf"),
        ("طائرات حربية روسية", "rus-forces"),
        ("القوات الأميركية", "us-coalition"),
        ("HTS", "hts"),
        ("Syrian Democratic Forces", "sdf"),
    ],
)
def test_resolve_names_from_every_outlet_style(actors, name, expected):
    assert actors.resolve(name) == expected


def test_resolve_splits_shared_names_by_year(actors):
    assert actors.resolve("الجيش السوري", year=2018) == "syr-gov-forces"
    assert actors.resolve("الجيش السوري", year=2025) == "syr-mod-forces"
    assert actors.resolve("الحكومة السورية", year=2016) == "syr-gov"
    assert actors.resolve("الحكومة السورية", year=2026) == "syr-transitional-gov"
    assert actors.resolve("الرئيس السوري", year=2020) == "bashar-al-assad"
    assert actors.resolve("الرئيس السوري", year=2025) == "ahmed-al-sharaa"


def test_get_and_refs(actors):
    record = actors.get("hts")
    assert record.entity_type == "ORG" and record.kind == "jihadist_group"
    assert record.to_ref() == ActorRef("hts", record.name_ar, record.name_en, "jihadist_group")
    assert actors.ancestors("ahrar-al-sham") == ("nfl", "sna")
    with pytest.raises(KeyError):
        actors.get("no-such-actor")


# ---------------------------------------------------------------- find_mentions()


def test_mentions_exclude_the_leading_proclitic(actors):
    text = "اشتباكات بين قوات النظام وهيئة تحرير الشام"
    mentions = actors.find_mentions(text)
    assert pairs(mentions) == [("syr-gov-forces", "قوات النظام"), ("hts", "هيئة تحرير الشام")]
    hts = mentions[1]
    assert (hts.start, hts.end) == (text.index("هيئة"), len(text))
    assert hts.entity_type == "ORG" and hts.via == "name"


def test_mention_offsets_survive_diacritics_and_tatweel(actors):
    text = "وقالت هَيْئَةُ تحريــر الشّام إنّ"
    (mention,) = actors.find_mentions(text)
    assert mention.actor_id == "hts"
    assert text[mention.start:mention.end] == mention.text == "هَيْئَةُ تحريــر الشّام"


def test_government_forces_under_every_outlet_name_get_one_id(actors):
    sentences = [
        "قصفت قوات النظام مناطق في ريف إدلب",  # SOHR
        "دمرت وحدات من الجيش العربي السوري أوكاراً للإرهابيين",  # SANA
        "قالت القوات الحكومية السورية إنها سيطرت على البلدة",  # Reuters Arabic
        "أعلن الجيش السوري السيطرة على البلدة",  # RT Arabic
        "هاجمت قوات حكومة دمشق قرى في ريف دير الزور",  # Hawar / North Press
    ]
    for sentence in sentences:
        assert ids(actors.find_mentions(sentence, year=2019))[:1] == ["syr-gov-forces"], sentence
    # SANA's "الإرهابيين" names the opposition factions once the army is named (eval/README)
    assert ids(actors.find_mentions(sentences[1], year=2019)) == ["syr-gov-forces", "opposition-factions"]


def test_sohr_style_sentence(actors):
    text = ("أفاد المرصد السوري لحقوق الإنسان بمقتل 5 عناصر من قوات النظام والمسلحين الموالين لها "
            "في قصف نفذته طائرات مسيرة تابعة لـ\"هيئة تحرير الشام\" على محور كبانة.")
    assert ids(actors.find_mentions(text)) == ["sohr", "syr-gov-forces", "pro-gov-militias", "hts"]


def test_sana_style_army_short_form_is_licensed(actors):
    text = "دمرت وحدات من الجيش العربي السوري مقرات لتنظيم جبهة النصرة، وأكد مصدر عسكري أن الجيش يواصل عملياته."
    mentions = actors.find_mentions(text, year=2017)
    assert pairs(mentions)[-1] == ("syr-gov-forces", "الجيش")
    assert mentions[-1].via == "anaphor" and not mentions[-1].is_entity
    assert ids(actors.find_mentions("أكد مصدر أن الجيش يواصل عملياته")) == []


def test_kurdish_media_style(actors):
    text = "وأفادت وكالة هاوار بأن مرتزقة الاحتلال التركي قصفوا قرية، وتصدت قوات مجلس منبج العسكري للهجوم."
    assert ids(actors.find_mentions(text)) == ["hawar", "sna", "manbij-military-council"]
    text = "قالت قوات سوريا الديمقراطية (قسد) إن مسيرة تركية استهدفت سيارة في ريف القامشلي"
    assert pairs(actors.find_mentions(text)) == [
        ("sdf", "قوات سوريا الديمقراطية"), ("sdf", "قسد"), ("tur-forces", "مسيرة تركية")]


def test_rt_and_reuters_style(actors):
    text = "أعلن مركز المصالحة الروسي أن المسلحين خرقوا الهدنة، وقالت مصادر لرويترز إن طائرات حربية روسية قصفت المنطقة."
    mentions = actors.find_mentions(text)
    # Russian media's "المسلحين" is the opposition factions when Russia (or the factions, or HTS) is named
    assert ids(mentions) == ["rus-forces", "opposition-factions", "reuters", "rus-forces"]
    assert mentions[-1].via == "pattern" and mentions[-1].text == "طائرات حربية روسية"


def test_isis_names_and_context(actors):
    text = "استهدفت خلايا تنظيم الدولة الإسلامية \"داعش\" حاجزاً لقسد، وتبنى التنظيم الهجوم."
    assert pairs(actors.find_mentions(text)) == [
        ("isis", "تنظيم الدولة الإسلامية"), ("isis", "داعش"), ("sdf", "قسد"), ("isis", "التنظيم")]


def test_quoted_name_is_matched_across_the_quotes(actors):
    text = "أعلن تنظيم \"الدولة الإسلامية\" مسؤوليته"
    (mention,) = actors.find_mentions(text)
    assert mention.actor_id == "isis" and mention.text == "تنظيم \"الدولة الإسلامية"


def test_hay_a_short_form_needs_an_hts_or_negotiation_body_licence(actors):
    assert actors.find_mentions("قالت الهيئة في بيان إن عناصرها صدوا الهجوم") == []
    with_hts = actors.find_mentions("هاجمت هيئة تحرير الشام نقاطاً، وقالت الهيئة في بيان إنها تقدمت")
    assert pairs(with_hts) == [("hts", "هيئة تحرير الشام"), ("hts", "الهيئة")]
    with_hnc = actors.find_mentions("أعلنت هيئة التفاوض السورية رفضها، وقالت الهيئة إن الحل سياسي")
    assert pairs(with_hnc) == [("hnc", "هيئة التفاوض السورية"), ("hnc", "الهيئة")]


def test_party_short_form_goes_to_the_nearest_named_party(actors):
    text = ("قصف حزب الله مواقع في القصير، وقال الحزب إنه رد على هجوم. "
            "وفي إدلب اشتبك الحزب الإسلامي التركستاني مع قوات النظام وخسر الحزب 3 مقاتلين.")
    got = [(m.actor_id, m.text) for m in actors.find_mentions(text) if m.via == "anaphor"]
    assert got == [("hezbollah", "الحزب"), ("tip", "الحزب")]


def test_army_short_form_goes_to_the_nearest_named_army(actors):
    text = ("قصفت قوات النظام بلدة في ريف القنيطرة، ثم توغل الجيش الإسرائيلي في المنطقة "
            "وقال الجيش إنه دمر مواقع.")
    assert ids(actors.find_mentions(text, year=2020)) == ["syr-gov-forces", "isr-forces", "isr-forces"]


def test_context_alias_before_a_nisba_adjective_does_not_fire(actors):
    assert ids(actors.find_mentions("الجيش الأوكراني يعلن تقدمه، والجيش الروسي ينفي.")) == ["rus-forces"]


def test_non_actor_phrases_block_short_names(actors):
    assert actors.find_mentions("قال الأمن العام اللبناني إن 300 لاجئ عادوا") == []
    assert actors.find_mentions("أفاد مراسلنا أن الحواجز رفعت") == []  # أفاد is not آفاد


def test_title_is_dropped_before_the_name_and_kept_alone(actors):
    named = actors.find_mentions("استقبل الرئيس السوري أحمد الشرع وزير الخارجية التركي هاكان فيدان")
    assert pairs(named) == [("ahmed-al-sharaa", "أحمد الشرع"), ("hakan-fidan", "هاكان فيدان")]
    alone = actors.find_mentions("قال الرئيس السوري إن الحرب انتهت", year=2026)
    assert [(m.actor_id, m.via, m.entity_type) for m in alone] == [("ahmed-al-sharaa", "title", "PER")]


def test_era_is_inferred_from_post_2024_cues(actors):
    before = "أعلن الجيش السوري السيطرة على البلدة"
    after = "أعلن الجيش السوري ملاحقة فلول النظام البائد في ريف اللاذقية"
    assert ids(actors.find_mentions(before)) == ["syr-gov-forces"]
    assert ids(actors.find_mentions(after)) == ["syr-mod-forces", "assad-remnants"]
    assert ids(actors.find_mentions(before, year=2025)) == ["syr-mod-forces"]


def test_country_names_are_loc_mentions(actors):
    (mention,) = actors.find_mentions("شنت إسرائيل غارات على دمشق")
    assert (mention.actor_id, mention.entity_type, mention.via) == ("isr-forces", "LOC", "country")


def test_country_name_with_tanween_is_an_adjective_not_the_state(actors):
    assert actors.find_mentions("التقى الأسد وفداً روسياً في دمشق") == []


def test_mentions_are_frozen(actors):
    (mention,) = actors.find_mentions("قسد")
    with pytest.raises(dataclasses.FrozenInstanceError):
        mention.actor_id = "hts"  # type: ignore[misc]


def test_seed_report(actors):
    text = SEED.read_text(encoding="utf-8")
    mentions = actors.find_mentions(text)
    found = set(ids(mentions))
    assert {"hts", "tip", "tur-forces", "sohr", "syr-gov-forces", "opposition-factions", "ahmed-al-sharaa",
            "ansar-al-sham"} <= found
    assert not found & {"isis", "sdf", "hezbollah", "rus-forces", "us-coalition"}
    for mention in mentions:
        assert text[mention.start:mention.end] == mention.text
    for left, right in zip(mentions, mentions[1:]):
        assert left.end <= right.start
    assert ("tip", "التركستان") in pairs(mentions)
    assert ("tur-forces", "الجانب التركي") in pairs(mentions)
    assert pairs(mentions)[-1] == ("hts", "الهيئة")


def test_seed_report_takes_well_under_20_ms(actors):
    text = SEED.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) > 6000
    actors.find_mentions(text)
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        actors.find_mentions(text)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.020


def test_to_refs_deduplicates_in_order(actors):
    mentions = actors.find_mentions("قسد وداعش وقسد")
    assert [r.id for r in actors.to_refs(mentions)] == ["sdf", "isis"]


# ---------------------------------------------------------------- validation of the data


def small_document() -> dict:
    return {
        "rules": {},
        "actors": [
            {"id": "a", "name_ar": "أ", "name_en": "A", "kind": "armed_group", "entity_type": "ORG",
             "affiliation": "opposition", "aliases_ar": ["جبهة الف"], "active": [2011, 2024]},
            {"id": "b", "name_ar": "ب", "name_en": "B", "kind": "armed_group", "entity_type": "ORG",
             "affiliation": "opposition", "aliases_ar": ["جبهة باء"], "active": [2025, None]},
        ],
    }


def test_small_document_loads():
    dictionary = ActorDictionary(small_document())
    assert dictionary.resolve("جبهة الف") == "a" and len(dictionary) == 2


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["actors"].append(copy.deepcopy(d["actors"][0])),  # duplicate id
        lambda d: d["actors"][0].update(parent="nobody"),  # unknown parent
        lambda d: d["actors"][0].update(kind="warlord"),  # unknown kind
        lambda d: d["actors"][0].update(entity_type="PER"),  # PER but not a person
        lambda d: d["actors"][1].update(aliases_ar=["جبهة الف"], active=[2020, None]),  # overlapping shared alias
        lambda d: d["actors"][1].update(context_aliases_ar=["جبهة الف"]),  # context alias of one, full of other
        lambda d: d["rules"].update(non_actor_phrases_ar=["جبهة باء"]),  # a blocked phrase that is an alias
    ],
)
def test_malformed_data_fails_loudly(breakage):
    document = small_document()
    breakage(document)
    with pytest.raises(DataError):
        ActorDictionary(document)


def test_shared_alias_with_disjoint_years_is_allowed():
    document = small_document()
    document["actors"][1]["aliases_ar"].append("جبهة الف")
    dictionary = ActorDictionary(document)
    assert dictionary.resolve("جبهة الف", year=2015) == "a"
    assert dictionary.resolve("جبهة الف", year=2025) == "b"


def test_indefinite_quantifier_blocks_a_short_form_even_after_a_conjunction(actors):
    text = "توتر بين هيئة تحرير الشام وإحدى الفصائل المنضوية تحت رايتها، وقال المرصد إن الفصائل انسحبت"
    mentions = actors.find_mentions(text, year=2018)
    assert [(m.text, m.via) for m in mentions if m.actor_id == "opposition-factions"] == [("الفصائل", "context")]
    assert mentions[-1].start > text.index("وقال")


def test_group_noun_outside_the_name_and_indefinite_group_is_evidence(actors):
    mentions = actors.find_mentions("قتل عناصر من قوات النظام ومسلحين دروز في اشتباك", year=2019)
    assert [(m.actor_id, m.text, m.is_entity) for m in mentions] == [
        ("syr-gov-forces", "قوات النظام", True), ("druze-factions", "مسلحين دروز", False)]


def test_remembered_word_starts_give_the_mentions_of_a_fresh_dictionary(monkeypatch):
    text = "قصفت قوات النظام وعناصر من هيئة تحرير الشام وطائرات حربية روسية بلدة في ريف إدلب، وقال المرصد إن الهيئة انسحبت"
    expected = pairs(ActorDictionary(load_json("actors.json")).find_mentions(text, year=2019))
    monkeypatch.setattr("rasd.analysis.actors._WORD_MEMO_SIZE", 3)  # the table is cleared again and again
    dictionary = ActorDictionary(load_json("actors.json"))
    assert [pairs(dictionary.find_mentions(text, year=2019)) for _ in range(2)] == [expected, expected]
    assert ("hts", "هيئة تحرير الشام") in expected and len(dictionary._word_starts) <= 3


def test_year_is_inferred_from_the_text_when_a_name_depends_on_the_era(actors):
    assert ids(actors.find_mentions("انتشر الجيش السوري في المدينة")) == ["syr-gov-forces"]
    assert ids(actors.find_mentions("بعد سقوط النظام انتشر الجيش السوري في المدينة")) == ["syr-mod-forces"]
    # a name of one era-free actor reads the same whatever the text says of the era
    assert ids(actors.find_mentions("بعد سقوط النظام قصفت قوات قسد المدينة")) == ["sdf"]
