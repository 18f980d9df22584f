"""Tests of the Syria gazetteer (rasd/data/places/) and the geocoder rasd.analysis.places."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from rasd.analysis.places import (
    COMMON,
    CUE_ONLY,
    GAZETTEER_FILE,
    Gazetteer,
    GazetteerEntry,
    LEXICON_FILE,
    load_entries,
    name_tokens,
    proclitic_splits,
    split_proclitics,
)
from rasd.errors import DataError
from rasd.resources import data_path, load_json
from rasd.schema import GOVERNORATES, PLACE_PRECISIONS, Place

SEED = (Path(__file__).parents[3] / "../shared/seed/sohr-2018-08-idlib-negotiations.txt").resolve()

# OCHA COD-AB P-codes of the governorates (the ADM1 boundaries' ADM1_PCODE).
GOVERNORATE_PCODES = {
    "Damascus": ("دمشق", "SY01"),
    "Aleppo": ("حلب", "SY02"),
    "Rif Dimashq": ("ريف دمشق", "SY03"),
    "Homs": ("حمص", "SY04"),
    "Hama": ("حماة", "SY05"),
    "Latakia": ("اللاذقية", "SY06"),
    "Idlib": ("إدلب", "SY07"),
    "Al-Hasakah": ("الحسكة", "SY08"),
    "Deir ez-Zor": ("دير الزور", "SY09"),
    "Tartus": ("طرطوس", "SY10"),
    "Raqqa": ("الرقة", "SY11"),
    "Daraa": ("درعا", "SY12"),
    "As-Suwayda": ("السويداء", "SY13"),
    "Quneitra": ("القنيطرة", "SY14"),
}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_data()


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def found(gazetteer: Gazetteer, text: str) -> list[tuple[str, str | None, str]]:
    return [(p.text, p.governorate, p.precision) for p in gazetteer.find_places(text)]


def check_offsets(text: str, places: list[Place]) -> None:
    for place in places:
        assert text[place.start : place.end] == place.text
    spans = [(p.start, p.end) for p in places]
    assert spans == sorted(spans)
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert end <= start


# --------------------------------------------------------------------------- data


def test_gazetteer_holds_every_admin_unit_of_opensyria():
    counts = Counter(e["precision"] for e in load_json("places/gazetteer.json")["entries"])
    assert counts["governorate"] == 14
    assert counts["district"] == 62
    assert counts["subdistrict"] == 272


def test_gazetteer_entries_are_well_formed():
    entries = load_json("places/gazetteer.json")["entries"]
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    for entry in entries:
        assert entry["precision"] in PLACE_PRECISIONS, entry["id"]
        assert entry["governorate"] is None or entry["governorate"] in GOVERNORATES, entry["id"]
        assert entry["name_ar"] and entry["name_en"], entry["id"]
        if entry["precision"] in ("governorate", "district", "subdistrict", "town") and entry["governorate"]:
            assert entry["pcode"].startswith("SY"), entry["id"]
            assert -90 <= entry["lat"] <= 90 and -180 <= entry["lon"] <= 180


def test_towns_carry_the_pcode_of_their_own_governorate():
    pcode_of = {label: pcode for label, (_, pcode) in GOVERNORATE_PCODES.items()}
    for entry in load_json("places/gazetteer.json")["entries"]:
        if entry["governorate"] and entry["pcode"]:
            assert entry["pcode"][:4] == pcode_of[entry["governorate"]], entry["id"]


def test_curated_source_has_at_least_250_places_with_governorate_and_coordinates():
    places = load_json("places/curated.json")["places"]
    assert len(places) >= 250
    syrian = [p for p in places if p["governorate"]]
    assert len(syrian) >= 250
    for place in places:
        assert isinstance(place["lat"], float) and isinstance(place["lon"], float), place["id"]
        assert place["id"].startswith("rasd-")


def test_gazetteer_is_rebuilt_after_curated_edits():
    built = {e["id"]: e for e in load_json("places/gazetteer.json")["entries"]}
    names = {name for e in built.values() for name in (e["name_ar"], *e["aliases_ar"])}
    for place in load_json("places/curated.json")["places"]:
        # merged with a GeoNames town (id gn-...) or kept under its own id; its name is indexed either way
        assert place["id"] in built or place["name_ar"] in names, place["id"]
        assert place["name_ar"] in names, place["id"]


def test_place_data_stays_small():
    folder = data_path("places/gazetteer.json").parent
    assert sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) < 5_000_000


def test_stoplists_are_data_not_code(gazetteer):
    lexicon = load_json("places/lexicon.json")
    assert "الباب" in lexicon["common_words"]
    assert "الثورة" in lexicon["cue_only_words"]
    assert gazetteer._weakness[name_tokens("الباب")] == COMMON
    assert gazetteer._weakness[name_tokens("الثورة")] == CUE_ONLY


def test_an_unknown_governorate_label_is_a_data_error():
    bad = GazetteerEntry("x", "س", "X", (), "Idleb", (), None, None, None, "town")
    with pytest.raises(DataError):
        Gazetteer([bad], {})


def test_from_data_is_cached():
    assert Gazetteer.from_data() is Gazetteer.from_data()


# --------------------------------------------------------------------------- the seed report


def test_seed_report_places(gazetteer, seed_text):
    places = gazetteer.find_places(seed_text)
    check_offsets(seed_text, places)
    by_text = {}
    for place in places:
        by_text.setdefault(place.text, place)
    expected = {
        "إدلب": ("Idlib", "governorate", "SY07"),
        "محافظة إدلب": ("Idlib", "governorate", "SY07"),
        "جبال اللاذقية": ("Latakia", "feature", "SY06"),
        "سهل الغاب": ("Hama", "feature", "SY05"),
        "شمال حماة": ("Hama", "region", "SY05"),
        "ريف إدلب الجنوبي الشرقي": ("Idlib", "region", "SY07"),
        "ريف حلب الجنوبي": ("Aleppo", "region", "SY02"),
        "ريف محافظة اللاذقية": ("Latakia", "region", "SY06"),
        "جسر الشغور": ("Idlib", "town", "SY070400"),
    }
    for text, (governorate, precision, pcode) in expected.items():
        place = by_text[text]
        assert (place.governorate, place.precision, place.pcode) == (governorate, precision, pcode), text


def test_seed_report_offsets_of_the_front_line_sentence(gazetteer, seed_text):
    sentence = "ونشرها من جبال اللاذقية وصولاً إلى ريف حلب الجنوبي مروراً بسهل الغاب وشمال حماة وريف إدلب الجنوبي الشرقي."
    base = seed_text.index(sentence)
    places = [p for p in gazetteer.find_places(seed_text) if base <= p.start < base + len(sentence)]
    got = [(p.start - base, p.end - base, p.text) for p in places]
    assert got == [
        (10, 23, "جبال اللاذقية"),
        (35, 50, "ريف حلب الجنوبي"),
        (59, 68, "سهل الغاب"),
        (70, 79, "شمال حماة"),
        (81, 104, "ريف إدلب الجنوبي الشرقي"),
    ]


def test_seed_report_skips_adjectives_and_organisation_names(gazetteer, seed_text):
    texts = [p.text for p in gazetteer.find_places(seed_text)]
    assert "سورية" not in texts  # "جنسيات غير سورية" is an adjective
    assert "بلاد الشام" not in texts  # inside "تنظيم القاعدة في بلاد الشام"
    assert texts.count("سوريا") == 1  # "قيادة القوات التركية في سوريا"


def test_seed_report_geocodes_well_under_20_ms(gazetteer, seed_text):
    assert len(seed_text.encode("utf-8")) > 6000
    gazetteer.find_places(seed_text)
    best = min(_timed(gazetteer, seed_text) for _ in range(5))
    assert best < 0.020


def _timed(gazetteer: Gazetteer, text: str) -> float:
    start = time.perf_counter()
    gazetteer.find_places(text)
    return time.perf_counter() - start


# --------------------------------------------------------------------------- proclitics and offsets


@pytest.mark.parametrize(
    ("text", "mention", "governorate"),
    [
        ("قصف بسهل الغاب", "سهل الغاب", "Hama"),
        ("تعزيزات وشمال حماة", "شمال حماة", "Hama"),
        ("وصلت لإدلب", "إدلب", "Idlib"),
        ("غارات بريف إدلب", "ريف إدلب", "Idlib"),
        ("وللاذقية", "لاذقية", "Latakia"),
        ("فبمعرة النعمان", "معرة النعمان", "Idlib"),
    ],
)
def test_prefixed_forms_match_without_the_proclitic(gazetteer, text, mention, governorate):
    places = gazetteer.find_places(text)
    assert [(p.text, p.governorate) for p in places] == [(mention, governorate)]
    assert text[places[0].start : places[0].end] == mention
    assert places[0].end == len(text)


def test_offsets_survive_diacritics_and_tatweel(gazetteer):
    text = "قُصِفَت بِسَهْلِ الغَاب وإدلـــب"
    places = gazetteer.find_places(text)
    check_offsets(text, places)
    assert [p.text for p in places] == ["سَهْلِ الغَاب", "إدلـــب"]


def test_word_boundaries_are_respected(gazetteer):
    assert found(gazetteer, "الحلبيون") == []
    assert found(gazetteer, "ادلبي") == []


def test_split_proclitics_restores_the_lam_of_the_article():
    assert (1, "اللاذقيه") in split_proclitics("للاذقيه")
    assert split_proclitics("ادلب") == [(0, "ادلب")]


# --------------------------------------------------------------------------- governorates


@pytest.mark.parametrize("label", GOVERNORATES)
def test_every_governorate_resolves_with_label_and_pcode(gazetteer, label):
    name, pcode = GOVERNORATE_PCODES[label]
    for text in (f"في {name}", f"في محافظة {name}"):
        places = gazetteer.find_places(text)
        assert len(places) == 1, text
        place = places[0]
        assert (place.governorate, place.pcode, place.precision) == (label, pcode, "governorate"), text
    assert gazetteer.find_places(f"في محافظة {name}")[0].text == f"محافظة {name}"
    assert gazetteer.governorate(label).pcode == pcode


def test_city_cue_picks_the_city_not_the_governorate(gazetteer):
    city = gazetteer.find_places("في مدينة إدلب")[0]
    assert (city.text, city.precision, city.governorate) == ("إدلب", "town", "Idlib")
    assert gazetteer.find_places("في إدلب")[0].precision == "governorate"


def test_two_governorates_after_one_cue(gazetteer):
    assert found(gazetteer, "في محافظتي حماة وإدلب") == [
        ("محافظتي حماة", "Hama", "governorate"),
        ("إدلب", "Idlib", "governorate"),
    ]


# --------------------------------------------------------------------------- countryside and directions


@pytest.mark.parametrize(
    ("text", "mention", "governorate"),
    [
        ("اشتباكات في ريف حلب الشمالي الغربي", "ريف حلب الشمالي الغربي", "Aleppo"),
        ("قصف على الريف الشمالي لحماة", "الريف الشمالي لحماة", "Hama"),
        ("في الريف الغربي لمحافظة إدلب", "الريف الغربي لمحافظة إدلب", "Idlib"),
        ("في الريف الحموي الشمالي", "الريف الحموي الشمالي", "Hama"),
        ("في ريف دير الزور الشرقي", "ريف دير الزور الشرقي", "Deir ez-Zor"),
        ("ريف دمشق الغربي", "ريف دمشق الغربي", "Rif Dimashq"),
        ("في ريف جسر الشغور", "ريف جسر الشغور", "Idlib"),
        ("في بادية حمص الشرقية", "بادية حمص الشرقية", "Homs"),
        ("جنوب إدلب", "جنوب إدلب", "Idlib"),
        ("جنوب شرق إدلب", "جنوب شرق إدلب", "Idlib"),
    ],
)
def test_countryside_and_direction_phrases_are_regions(gazetteer, text, mention, governorate):
    places = gazetteer.find_places(text)
    assert [(p.text, p.governorate, p.precision) for p in places] == [(mention, governorate, "region")]


def test_rif_dimashq_is_the_governorate(gazetteer):
    place = gazetteer.find_places("في ريف دمشق")[0]
    assert (place.text, place.governorate, place.precision, place.pcode) == (
        "ريف دمشق", "Rif Dimashq", "governorate", "SY03")


def test_countryside_of_two_governorates(gazetteer):
    assert found(gazetteer, "قصف على ريفي حماة وإدلب") == [
        ("ريفي حماة", "Hama", "region"),
        ("إدلب", "Idlib", "region"),
    ]


def test_region_ids_are_stable_and_name_the_direction(gazetteer):
    place = gazetteer.find_places("ريف إدلب الجنوبي الشرقي")[0]
    assert place.gazetteer_id == "rasd-rif-sy-idlib-south-east"
    assert place.name_ar == "ريف إدلب الجنوبي الشرقي"
    assert gazetteer.find_places("شمال حماة")[0].gazetteer_id == "rasd-north-of-sy-hama"


def test_syria_wide_regions_have_no_governorate(gazetteer):
    assert found(gazetteer, "في شمال غرب سوريا") == [("شمال غرب سوريا", None, "region")]


def test_feature_keeps_its_direction_adjective(gazetteer):
    assert found(gazetteer, "في جبال اللاذقية الشمالية") == [("جبال اللاذقية الشمالية", "Latakia", "feature")]


# --------------------------------------------------------------------------- ambiguity


def test_shared_name_follows_the_governorate_of_the_report(gazetteer):
    in_aleppo = gazetteer.find_places("قصف على صوران وتل رفعت بريف حلب الشمالي")
    in_hama = gazetteer.find_places("قصف على صوران ومورك بريف حماة الشمالي")
    assert in_aleppo[0].text == in_hama[0].text == "صوران"
    assert in_aleppo[0].governorate == "Aleppo"
    assert in_hama[0].governorate == "Hama"
    assert in_aleppo[0].gazetteer_id != in_hama[0].gazetteer_id


def test_shared_name_follows_the_nearest_places(gazetteer):
    near_idlib = gazetteer.find_places("غارات على النيرب وسرمين")
    near_aleppo = gazetteer.find_places("غارات على النيرب وحندرات")
    assert near_idlib[0].governorate == "Idlib"
    assert near_aleppo[0].governorate == "Aleppo"


def test_without_context_the_larger_place_wins(gazetteer):
    place = gazetteer.find_places("في صوران")[0]
    assert place.governorate == "Hama"  # the Hama town (pop. ~30,000) over the Aleppo village


def test_region_spanning_governorates_has_none(gazetteer):
    """eval/README: null for regions spanning several governorates (البادية السورية، الساحل السوري، نهر الفرات)."""
    assert gazetteer.find_places("في البادية")[0].governorate is None
    places = gazetteer.find_places("اشتباكات في البادية قرب السخنة وتدمر في ريف حمص الشرقي")
    assert places[0].text == "البادية" and places[0].governorate is None
    places = gazetteer.find_places("في مدينة القامشلي، شمال شرقي سوريا")
    assert [(p.text, p.governorate) for p in places] == [("القامشلي", "Al-Hasakah"), ("شمال شرقي سوريا", None)]


def test_feature_with_a_main_governorate_keeps_it(gazetteer):
    assert gazetteer.find_places("قصف على جبل الشيخ")[0].governorate == "Rif Dimashq"
    places = gazetteer.find_places("توغلت القوات في ريف القنيطرة وصولاً إلى جبل الشيخ")
    assert places[-1].text == "جبل الشيخ" and places[-1].governorate == "Rif Dimashq"


@pytest.mark.parametrize(
    "text",
    [
        "فتح الباب أمام الحل السياسي",
        "انطلقت الثورة السورية عام 2011",
        "مقاتلين من جنسيات غير سورية",
        "قدم الوفد ورقة عمل",
        "تطالب بالحرية والكرامة",
        "التوصل إلى حل سلمي",
        "مظاهرات سلمية",
        "نحن بصدد دراسة الاقتراح",
        "حماه الله من كل سوء",
        "الطبقة الوسطى",
    ],
)
def test_a_common_word_alone_is_not_a_place(gazetteer, text):
    assert gazetteer.find_places(text) == []


def test_a_common_word_with_a_cue_or_context_is_a_place(gazetteer):
    assert found(gazetteer, "قصف مدينة الباب") == [("الباب", "Aleppo", "town")]
    assert found(gazetteer, "اشتباكات في الباب وجرابلس بريف حلب") == [
        ("الباب", "Aleppo", "town"),
        ("جرابلس", "Aleppo", "town"),
        ("ريف حلب", "Aleppo", "region"),
    ]
    assert found(gazetteer, "وصلت تعزيزات إلى الحاضر والعيس بريف حلب الجنوبي")[:2] == [
        ("الحاضر", "Aleppo", "town"),
        ("العيس", "Aleppo", "town"),
    ]
    assert found(gazetteer, "في سورية") == [("سورية", None, "country")]


def test_actor_names_do_not_emit_their_place(gazetteer):
    assert found(gazetteer, "قوات سوريا الديمقراطية") == []
    assert found(gazetteer, "مقاتلو جيش إدلب الحر") == []
    assert found(gazetteer, "هاجمت القوات التركية") == []
    assert found(gazetteer, "زار وفد من تركيا") == [("تركيا", None, "country")]


def test_places_abroad_and_syria(gazetteer):
    places = gazetteer.find_places("محادثات في أستانا بحضور روسيا وتركيا وإيران حول سوريا")
    assert [(p.text, p.precision, p.governorate) for p in places] == [
        ("أستانا", "town", None),
        ("روسيا", "country", None),
        ("تركيا", "country", None),
        ("إيران", "country", None),
        ("سوريا", "country", None),
    ]
    assert places[-1].pcode == "SY"


def test_spelling_variants_resolve_to_one_place(gazetteer):
    ids = {gazetteer.find_places(f"في {name}")[0].gazetteer_id for name in ("كفرنبودة", "كفر نبودة")}
    assert len(ids) == 1
    ids = {gazetteer.find_places(f"في {name}")[0].gazetteer_id for name in ("خان شيخون", "خان شيحون")}
    assert len(ids) == 1
    ids = {gazetteer.find_places(f"في {name}")[0].gazetteer_id for name in ("عين العرب", "كوباني")}
    assert len(ids) == 1


# --------------------------------------------------------------------------- single names


def test_resolve_name_strips_a_proclitic(gazetteer):
    assert gazetteer.resolve_name("بسراقب").name_en == "Saraqib"
    assert gazetteer.resolve_name("حماة").precision == "governorate"
    assert gazetteer.resolve_name("لا مكان هنا") is None


def test_lookup_lists_every_candidate(gazetteer):
    governorates = {e.governorate for e in gazetteer.lookup("صوران")}
    assert governorates == {"Aleppo", "Hama"}


def test_empty_text(gazetteer):
    assert gazetteer.find_places("") == []
    assert gazetteer.find_places("   ") == []


def test_a_name_shared_by_neighbourhood_and_village_follows_the_report(gazetteer):
    assert found(gazetteer, "انفجار في منطقة الحميدية وسط دمشق")[0] == ("منطقة الحميدية", "Damascus", "town")
    assert found(gazetteer, "توغلت قوات في قرية الحميدية بريف القنيطرة")[0] == ("الحميدية", "Quneitra", "town")


def test_epithet_is_not_a_place_without_a_cue(gazetteer):
    assert found(gazetteer, "في حلب الشهباء") == [("حلب", "Aleppo", "governorate")]
    assert found(gazetteer, "نزحوا إلى منطقة الشهباء")[0][:2] == ("منطقة الشهباء", "Aleppo")


def test_toponym_spans_inside_place_phrases(gazetteer):
    text = "قصف على جبال اللاذقية الشمالية وريف محافظة إدلب وشمال غربي سوريا ومطار حماة العسكري وحي جوبر"
    spans = [(m.place.text, m.name_text) for m in gazetteer.find_place_mentions(text)]
    assert spans == [("جبال اللاذقية الشمالية", "اللاذقية"), ("ريف محافظة إدلب", "إدلب"),
                     ("شمال غربي سوريا", "سوريا"), ("مطار حماة العسكري", "مطار حماة"), ("حي جوبر", "جوبر")]


def test_cued_names_read_lists_and_skip_everyday_words(gazetteer):
    text = "سيطرت القوات على بلدات مسحرة ومجدوليا وتل مسحرة، وعلى قرية صغيرة وقرى ريفها، وعند مخيم الوافدين"
    assert [text[s:e] for s, e in gazetteer.find_cued_names(text)] == ["مسحرة", "مجدوليا", "تل مسحرة",
                                                                        "مخيم الوافدين"]


def test_cued_names_continue_a_list_through_listed_names_and_stop_at_everyday_words(gazetteer):
    text = "قصفت القوات قرى الزيارة والمنصورة وتل واسط، وقرى وبلدات ريف حلب، وبلدة نائية، وساحة المعركة"
    assert [text[s:e] for s, e in gazetteer.find_cued_names(text)] == ["الزيارة", "المنصورة", "تل واسط"]


def test_a_verb_after_and_ends_the_list_of_cued_names(gazetteer):
    text = "تقدمت القوات في محيط بلدة الشيفونية وسيطرت على المزارع"
    assert [text[s:e] for s, e in gazetteer.find_cued_names(text)] == ["الشيفونية"]


def test_remembered_splits_are_the_fresh_splits():
    for word in ("وللاذقيه", "بريف", "ادلب", "فبسراقب"):
        assert proclitic_splits(word) == tuple(split_proclitics(word)) == tuple(split_proclitics(word))
    assert proclitic_splits("بريف") == ((0, "بريف"), (1, "ريف"))


def test_remembered_word_readings_give_the_places_of_a_fresh_gazetteer(gazetteer, monkeypatch):
    text = ("قصفت قوات النظام بلدات مسحرة ومجدوليا بريف القنيطرة وكفرنبودة في ريف حماة الشمالي، "
            "وشمال غربي سوريا وساحة الكرامة في محافظتي حماة وإدلب")
    expected = ([(m.place.text, m.place.gazetteer_id, m.name_start) for m in gazetteer.find_place_mentions(text)],
                gazetteer.find_cued_names(text))
    monkeypatch.setattr("rasd.analysis.places._WORD_MEMO_SIZE", 3)  # the table is cleared again and again
    fresh = Gazetteer(load_entries(load_json(GAZETTEER_FILE)), load_json(LEXICON_FILE))
    for _ in range(2):
        assert ([(m.place.text, m.place.gazetteer_id, m.name_start) for m in fresh.find_place_mentions(text)],
                fresh.find_cued_names(text)) == expected
    assert len(expected[0]) >= 5 and len(expected[1]) >= 2 and len(fresh._word_forms) <= 3


def test_cued_names_read_their_own_text_after_another_reports_places(gazetteer):
    first, second = "سيطرت على بلدات مسحرة ومجدوليا", "اشتباكات في قرية الشيفونية بريف حماة"
    gazetteer.find_place_mentions(first)
    assert [second[s:e] for s, e in gazetteer.find_cued_names(second)] == ["الشيفونية"]
    assert [first[s:e] for s, e in gazetteer.find_cued_names(first)] == ["مسحرة", "مجدوليا"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Kurdish name of al-Malikiyah: in Al-Hasakah, not in the governorate of a Kobani mentioned before it
        ("غارات على قرى في ريف كوباني وعلى محيط مدينة ديرك", ("ديرك", "Al-Hasakah")),
        ("قصف مدفعي على قرى ناحية شيراوا", ("ناحية شيراوا", "Aleppo")),
        ("عدوان جوي على موقع قرب بلدة حضر", ("بلدة حضر", "Quneitra")),
        ("ضربات جوية على حي البدو في مدينة الرقة", ("حي البدو", "Raqqa")),
        ("تمشيط المنطقة الممتدة حتى بادية الشولا", ("بادية الشولا", "Deir ez-Zor")),
        ("بدأ الأهالي بالعودة من معبر مرشد بينار", ("معبر مرشد بينار", "Aleppo")),
    ],
)
def test_robustness_villages_and_kurdish_names(gazetteer, text, expected):
    assert expected in [(p.text, p.governorate) for p in gazetteer.find_places(text)]


@pytest.mark.parametrize("text", ["حضر الاجتماع ممثلون عن العشائر", "قال البدو في المنطقة إنهم نزحوا"])
def test_names_that_are_common_words_need_a_cue(gazetteer, text):
    assert [p.text for p in gazetteer.find_places(text)] == []
