"""Event types with trigger evidence: outlet styles, conjugations, negation and modality."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rasd.analysis.events import (
    CueSet,
    FormIndex,
    Morphology,
    analyse_text,
    compile_pattern,
    detect_events,
    event_types,
    parse_token_spec,
)
from rasd.errors import DataError
from rasd.schema import EVENT_TYPES, Event

REPO = Path(__file__).resolve().parents[3]
SEED_PATH = REPO.parent / "shared" / "seed" / "sohr-2018-08-idlib-negotiations.txt"
SAMPLES = REPO / "rasd" / "data" / "samples" / "reports.jsonl"


def seed_text() -> str:
    """The seed SOHR report (../shared/seed relative to the repo, else the bundled sample copy)."""
    if SEED_PATH.exists():
        return SEED_PATH.read_text(encoding="utf-8")
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        report = json.loads(line)
        if report["id"] == "sohr-2018-08-idlib-negotiations":
            return report["text"]
    raise AssertionError("seed report not found")


def types_of(text: str) -> set[str]:
    return set(event_types(detect_events(text)))


OUTLET_CASES = [
    # SOHR
    ("قتلى وجرحى في اشتباكات عنيفة بين قوات النظام والفصائل على محاور ريف اللاذقية الشمالي، ومقتل 4 عناصر من قوات النظام", {"armed_clash"}),
    ("قصفت قوات النظام بعد منتصف ليل أمس مناطق في بلدة الهبيط بريف إدلب الجنوبي، دون معلومات عن خسائر بشرية", {"shelling"}),
    ("نفذت طائرات حربية روسية 12 غارة على مناطق في ريف إدلب الجنوبي", {"airstrike"}),
    ("ألقى الطيران المروحي 8 براميل متفجرة على مناطق في بلدة التمانعة", {"airstrike"}),
    ("انفجرت عبوة ناسفة بسيارة عسكرية لقوات النظام على طريق درعا – السويداء، ما أدى لمقتل عنصرين", {"explosion"}),
    ("اغتال مسلحون مجهولون قيادياً سابقاً في الفصائل بإطلاق النار عليه في مدينة طفس بريف درعا الغربي", {"killing"}),
    ("نفذت هيئة تحرير الشام حملة دهم واعتقالات في مدينة سرمدا، طالت 7 أشخاص بتهمة التعامل مع التحالف", {"raid_arrest"}),
    ("عثر الأهالي على جثة شاب مقتولاً بطلق ناري في الرأس على أطراف بلدة اليادودة", {"killing"}),
    ("تمكنت قوات النظام من السيطرة على قرية الحويز بعد اشتباكات عنيفة مع الفصائل", {"territorial_change", "armed_clash"}),
    ("انسحبت الفصائل من عدة نقاط في ريف حماة الشمالي", {"territorial_change"}),
    ("خرج العشرات من المواطنين في مظاهرة بمدينة إدلب رفضاً لفتح المعابر مع مناطق النظام", {"protest"}),
    ("تشهد المنطقة موجة نزوح كبيرة للمدنيين نحو المناطق الحدودية مع تركيا، جراء القصف المكثف", {"displacement", "shelling"}),
    ("وصلت تعزيزات عسكرية جديدة لقوات النظام إلى محاور ريف إدلب الجنوبي، تضم دبابات وراجمات صواريخ", {"military_buildup"}),
    ("أعلن فصيل جيش العزة حل نفسه والانضمام إلى الجبهة الوطنية للتحرير", {"defection"}),
    ("انشق عنصران من قوات النظام ووصلا إلى مناطق سيطرة الفصائل", {"defection"}),
    ("مقتل عنصرين من قوات النظام برصاص مسلحين مجهولين في ريف درعا", {"killing"}),
    ("اعتقلت قوات النظام 5 شبان خلال حملة دهم في بلدة الكرك الشرقي", {"raid_arrest"}),
    ("تقدمت قوات النظام في محور كبانة وسيطرت على تلتين", {"territorial_change"}),
    ("نزحت عشرات العائلات من قرى جبل الزاوية باتجاه الحدود", {"displacement"}),
    # SANA
    ("وحدات من الجيش العربي السوري توقع قتلى في صفوف الإرهابيين وتدمر لهم عربات مزودة برشاشات في ريف حماة الشمالي", {"armed_clash"}),
    ("استشهاد مدنيين اثنين وإصابة 5 آخرين جراء اعتداء إرهابي بقذائف صاروخية على حي الميدان بمدينة حلب", {"shelling"}),
    ("الدفاعات الجوية تتصدى لعدوان إسرائيلي بالصواريخ على محيط دمشق وتسقط معظمها", {"airstrike"}),
    ("الجيش يحرر قرى الزكاة والأربعين وحصرايا بريف حماة الشمالي بعد القضاء على آخر تجمعات الإرهابيين فيها", {"territorial_change", "armed_clash"}),
    ("عودة مئات الأسر المهجرة إلى منازلها في ريف حلب الجنوبي بعد تحريره من الإرهاب", {"displacement"}),
    ("تسوية أوضاع 150 شخصاً من المطلوبين في مدينة الصنمين بريف درعا", {"negotiation"}),
    ("الجهات المختصة تضبط مستودعاً للأسلحة والذخيرة من مخلفات الإرهابيين في ريف درعا", set()),
    ("وحدات الهندسة تواصل تمشيط المدينة وإزالة الألغام والعبوات الناسفة التي زرعها الإرهابيون", set()),
    # Kurdish media
    ("قوات سوريا الديمقراطية تصد هجوماً لمرتزقة الاحتلال التركي على قرية صيدا بريف عين عيسى", {"armed_clash"}),
    ("قصف جيش الاحتلال التركي ومرتزقته قرى ناحية شيراوا بالأسلحة الثقيلة", {"shelling"}),
    ("استهدفت طائرة مسيرة تابعة للاحتلال التركي سيارة مدنية في ريف قامشلو، ما أسفر عن استشهاد شخصين", {"airstrike"}),
    ("نظم أهالي مدينة الحسكة وقفة احتجاجية تنديداً بقطع الاحتلال التركي مياه محطة علوك", {"protest"}),
    # RT / Sputnik
    ("مركز المصالحة الروسي: عودة أكثر من 500 لاجئ إلى سوريا خلال الـ24 ساعة الماضية", {"displacement"}),
    ("الطيران الروسي يشن غارات على مواقع المسلحين في ريف إدلب", {"airstrike"}),
    ("الجيش السوري يبدأ عملية عسكرية واسعة في ريف إدلب الجنوبي", {"armed_clash"}),
    ("وسائط الدفاع الجوي في قاعدة حميميم تصدت لهجوم بطائرات مسيرة، وأكد البيان أن الهجوم لم يسفر عن أضرار", {"airstrike"}),
    # Reuters / AFP
    ("قال المرصد السوري لحقوق الإنسان إن ضربات جوية قتلت 12 مدنيا على الأقل في بلدة بشمال غرب سوريا يوم الثلاثاء", {"airstrike"}),
    ("قالت وسائل إعلام رسمية إن انفجار سيارة ملغومة في مدينة أعزاز أسفر عن مقتل خمسة أشخاص", {"explosion"}),
    ("اتفقت روسيا وتركيا على وقف لإطلاق النار في إدلب يبدأ منتصف الليل", {"negotiation"}),
    ("فر عشرات الآلاف من المدنيين من منازلهم هربا من القصف", {"displacement", "shelling"}),
    ("وقال الجيش الإسرائيلي إنه قصف دبابات تابعة لقوات الحكومة السورية قرب السويداء", {"airstrike"}),
]


@pytest.mark.parametrize(("text", "expected"), OUTLET_CASES)
def test_event_types_across_outlet_styles(text: str, expected: set[str]) -> None:
    assert types_of(text) == expected


NOT_HAPPENED = [
    "نفت وزارة الدفاع الروسية شن أي غارات على مدينة إدلب",
    "لم تسجل أي اشتباكات على محاور ريف حلب الغربي منذ صباح اليوم",
    "لم يرصد المرصد السوري لحقوق الإنسان أي غارات جوية على المنطقة",
    "من المتوقع أن تشهد المنطقة معارك عنيفة خلال الأيام المقبلة",
    "تهدد تركيا بشن عملية عسكرية جديدة شمال سوريا في حال لم تنسحب الوحدات الكردية",
    "حذرت الأمم المتحدة من موجة نزوح جديدة إذا استمر القصف",
    "قد تندلع اشتباكات بين الطرفين في أي لحظة",
    "دعت الأمم المتحدة إلى وقف إطلاق النار في إدلب",
    "نجا قيادي في الفصائل من محاولة اغتيال في ريف درعا",
    "العملية العسكرية التي ستجري في محافظة إدلب",
    "ستشن القوات التركية هجوماً على منبج",
    "المعركة المرتقبة في ريف إدلب",
    "قالت مصادر معارضة إن غارات جوية استهدفت مدينة حرستا، وهو ما نفته وزارة الدفاع الروسية",
    "يعيش المدنيون في مناطق سيطرة هيئة تحرير الشام في إدلب",
    "هيئة تحرير الشام التي تسيطر على معظم إدلب",
    "أعلنت إدارة العمليات العسكرية تعيين قائد جديد",
    "انهيار اتفاقية فض الاشتباك الموقعة عام 1974",
]


@pytest.mark.parametrize("text", NOT_HAPPENED)
def test_negated_threatened_or_future_events_are_not_reported(text: str) -> None:
    events = detect_events(text)
    assert [e for e in events if e.type != "negotiation"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("لا تزال الاشتباكات مستمرة بين الطرفين في محيط البلدة", "armed_clash"),  # still: not a negation
        ("لم تتوقف الغارات الجوية على ريف إدلب منذ الصباح", "airstrike"),  # did not stop
        ("وقد اشتبكت الفصائل مع قوات النظام فجر اليوم", "armed_clash"),  # qad + past: has indeed
        ("قوات النظام تستقدم تعزيزات عسكرية استعداداً لعملية عسكرية مرتقبة", "military_buildup"),
    ],
)
def test_affirmative_look_alikes_are_kept(text: str, expected: str) -> None:
    assert expected in types_of(text)


def test_preparation_is_a_buildup_but_the_future_operation_is_not_a_clash() -> None:
    text = (
        "العملية العسكرية التي ستجري في محافظة إدلب، والتي تتحضر لها قوات النظام وحلفاؤها بشكل كبير "
        "خلال الأسابيع الأخيرة، عبر استقدام آلاف العناصر من قواتها"
    )
    assert types_of(text) == {"military_buildup"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("اشتبكت", "armed_clash"),
        ("واشتبكوا", "armed_clash"),
        ("تشتبك", "armed_clash"),
        ("الاشتباكات", "armed_clash"),
        ("وقصفت", "shelling"),
        ("يقصفون", "shelling"),
        ("شنت الطائرات الحربية غارات", "airstrike"),
        ("بالغارات", "airstrike"),
        ("سيطرت", "territorial_change"),
        ("وانسحبت", "territorial_change"),
        ("نزح", "displacement"),
        ("ونزحت", "displacement"),
        ("اعتقلت", "raid_arrest"),
        ("واعتقلوهم", "raid_arrest"),
        ("للمداهمات", "raid_arrest"),
        ("المفاوضات", "negotiation"),
        ("تتفاوض", "negotiation"),
        ("انشقاقه", "defection"),
        ("تظاهروا", "protest"),
        ("اغتالت", "killing"),
    ],
)
def test_triggers_match_conjugations_and_clitics(text: str, expected: str) -> None:
    assert expected in types_of(text)


def test_static_control_is_no_territorial_change() -> None:
    assert "territorial_change" not in types_of("القرى الخاضعة لسيطرة الفصائل")
    assert "territorial_change" not in types_of("وتسيطر الهيئة على القسم الأكبر من المحافظة")
    assert "territorial_change" in types_of("وسيطرت الهيئة على القسم الأكبر من المحافظة")


def test_one_token_trigger_inside_a_longer_trigger_of_another_type_is_dropped() -> None:
    assert types_of("قصف جوي روسي على مناطق في جبل الزاوية") == {"airstrike"}
    assert types_of("قصف مدفعي وصاروخي يستهدف ريف إدلب الجنوبي") == {"shelling"}
    assert types_of("هجوم بطائرة مسيرة على قاعدة حميميم الروسية") == {"airstrike"}


def test_an_anaphoric_attack_defers_to_the_specific_event() -> None:
    text = "اغتال مسلحون قيادياً في ريف درعا. وأسفر الهجوم عن مقتله على الفور"
    assert types_of(text) == {"killing"}
    # an indefinite attack is a new event
    assert "armed_clash" in types_of("شنت الفصائل هجوماً على مواقع قوات النظام ترافق مع غارات")


def test_events_carry_offsets_into_the_original_text() -> None:
    text = "قَصَفَتْ قواتُ النظام بلدةَ الهبيط، واشتبكتْ مع الفصائل ٣ ساعات"
    events = detect_events(text)
    assert [e.type for e in events] == ["shelling", "armed_clash"]
    for event in events:
        assert isinstance(event, Event)
        assert text[event.start : event.end] == event.trigger_text
    assert events[0].trigger_text == "قَصَفَتْ"
    assert events[1].trigger_text == "واشتبكتْ"


def test_several_triggers_of_one_type_are_listed() -> None:
    events = detect_events("غارات على أريحا. وغارات أخرى على جسر الشغور")
    assert [e.type for e in events] == ["airstrike", "airstrike"]
    assert events[0].start < events[1].start


def test_event_types_are_sorted_in_schema_order() -> None:
    events = detect_events("تظاهرة في إدلب. غارات جوية واشتباكات عنيفة")
    assert event_types(events) == ("armed_clash", "airstrike", "protest")
    assert event_types([]) == ()
    assert all(t in EVENT_TYPES for t in event_types(events))


def test_seed_report() -> None:
    text = seed_text()
    events = detect_events(text)
    types = set(event_types(events))
    assert {"negotiation", "military_buildup", "raid_arrest", "armed_clash"} <= types
    assert not types & {"shelling", "airstrike", "explosion", "killing", "protest", "displacement"}
    # the threatened attack and the operation "that will take place" are not clashes
    clashes = [e.trigger_text for e in events if e.type == "armed_clash"]
    assert clashes == ["لاشتباكات"]
    # joining "the reconciliation" and having pledged allegiance are no defection
    assert "defection" not in types
    # the build-up "through bringing in thousands of fighters" is found
    assert any(e.type == "military_buildup" and e.trigger_text == "استقدام" for e in events)
    for event in events:
        assert text[event.start : event.end] == event.trigger_text


def test_empty_and_non_arabic_text() -> None:
    assert detect_events("") == []
    assert detect_events("Airstrikes hit Idlib 12 times") == []


def test_malformed_specs_fail_with_data_error() -> None:
    with pytest.raises(DataError):
        parse_token_spec("قصف")  # no kind prefix
    index = FormIndex(Morphology.from_data())
    with pytest.raises(DataError):
        compile_pattern(index, "shelling", "~2 n:قصف")  # a gap before any token
    with pytest.raises(DataError):
        compile_pattern(index, "shelling", {"not_prev": "w:لا"})


def test_verb_inflection_and_future_reading() -> None:
    forms = Morphology.from_data().inflect_verb("استهدف")
    assert forms["استهدفت"] == "past"
    assert forms["تستهدف"] == "imperfect"
    assert forms["ستستهدف"] == "future"
    assert CueSet.from_data().is_future_verb("وستجري")
    assert not CueSet.from_data().is_future_verb("سيارة".replace("ة", "ه"))


def test_quotes_do_not_count_in_distances() -> None:
    analysed = analyse_text("قال: “الهدنة” انهارت")
    quote = [t.norm for t in analysed.tokens].index("“")
    assert analysed.words[quote] == analysed.words[quote - 1]


def test_remembered_lookups_match_fresh_ones_and_follow_new_specs() -> None:
    index = FormIndex(Morphology.from_data())
    shelling = index.add("n:قصف")
    analysed = analyse_text("وقصفت المدفعية القرية بالقصف، ثم القصف")
    first = index.lookup_all(analysed)
    assert first == [index.lookup(forms) for forms in analysed.forms]
    assert index.lookup_all(analysed) == first  # the second pass reads the memo
    assert shelling in first[-1]
    village = index.add("n:قريه")  # a spec added later is found on remembered tokens too
    assert village in index.lookup_all(analysed)[2]


def test_denial_later_in_the_sentence_voids_only_earlier_triggers() -> None:
    text = "قالت مصادر إن غارات جوية استهدفت حرستا، وهو ما نفته الوزارة. واندلعت اشتباكات في دوما"
    assert [e.type for e in detect_events(text)] == ["armed_clash"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ordnance cleared, seized or destroyed on purpose is no explosion
        ("واصلت فرق الهندسة تمشيط القرى من الألغام والعبوات الناسفة", set()),
        ("ضبطت الشرطة أحزمة ناسفة وقنابل يدوية كانت بحوزتهم في المستودع", set()),
        ("سمع الأهالي دوي تفجير وحدات الهندسة ذخائر منتهية الصلاحية", set()),
        # drones seen flying are no strike
        ("قال السكان إن طائرات مسيرة روسية حلقت فوق البلدة طوال الليل", set()),
        # indirect telling: SANA idioms, infighting, foiled infiltration, redeployment
        ("أعادت وحدات الجيش الأمن والاستقرار إلى بلدة كفرنبودة", {"territorial_change"}),
        ("تجدد الاقتتال بين الفصيلين في مدينة الباب", {"armed_clash"}),
        ("أحبطت وحدات الجيش محاولة تسلل مجموعة مسلحة نحو نقاطها", {"armed_clash"}),
        ("أكدت القيادة أن وحداتها أعادت الانتشار خارج مدينة السلمية", {"territorial_change"}),
        ("دفع الجيش التركي بمدرعات إلى محيط المدينة", {"military_buildup"}),
        ("أطلق عناصر الأمن النار على مظاهرة في حي الميدان", {"killing"}),
        ("انحاز فصيل محلي في البلدة إلى جانب الفصائل المهاجمة", {"defection"}),
        ("غادرت دفعة جديدة من العائلات مخيم الركبان، فيما عادت 30 عائلة إلى قراها", {"displacement"}),
        # surrender, past joining and a ceasefire line are no events
        ("أفادت المصادر بأن عشرة من المطلوبين سلموا أنفسهم إلى الشرطة", set()),
        ("تقع القرية قرب خط وقف إطلاق النار في الجولان", set()),
        # a name that looks like a verb
        ("قتل المدعو أدهم الخطيب بإطلاق النار عليه", {"killing"}),
        # a capture told in a past relative clause is background
        ("زار الوفد المدينة التي سيطر عليها الجيش العام الماضي", set()),
    ],
)
def test_dev2_event_rules(text: str, expected: set[str]) -> None:
    assert types_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # plans, refusals, calls and threats reach past a long subject
        ("ومن المنتظر أن تدخل وحدات من الشرطة إلى البلدة الأسبوع المقبل", set()),
        ("أعلنت الفصائل رفضها المشاركة في أي مفاوضات مع الحكومة", set()),
        ("وتهدد الحكومة التركية منذ أشهر طويلة بشن هجوم على المدينة", set()),
        ("استبعد المسؤول أن يكون الهجوم وشيكاً", set()),
        # missiles fired by aircraft belong to the air strike, not to shelling
        ("أطلقت الطائرات الحربية عدة صواريخ على مواقع في البادية", {"airstrike"}),
        # a long subject between the verb and its complement
        ("استهدفت وحدات من الجيش العربي السوري بالمدفعية تجمعات المسلحين", {"shelling"}),
        ("أحبطت وحدات من الجيش العربي السوري محاولة تسلل نحو نقاطها", {"armed_clash"}),
        # a prisoner swap, people who fled, suicide bombings
        ("جرت عملية تبادل للأسرى بين الطرفين", {"negotiation"}),
        ("قالت المنظمة إن ثلاثة آلاف شخص فروا من القرى الحدودية", {"displacement"}),
        ("قضى العشرات جراء التفجيرات الانتحارية التي ضربت المدينة", {"explosion"}),
        # a depot of grenades is no explosion
        ("عثرت الشرطة على مستودع يحوي كميات من الذخائر والقنابل اليدوية", set()),
        # a past action after قد
        ("وكانت الحكومتان قد توصلتا أمس إلى اتفاق لتبادل المعلومات", {"negotiation"}),
    ],
)
def test_dev2_event_rules_long_reach(text: str, expected: set[str]) -> None:
    assert types_of(text) == expected


def test_a_participle_of_calling_voids_what_it_calls_for() -> None:
    assert types_of("وطالبت الوزارة بوقف الانتهاكات، داعية إلى انسحاب القوات من البلدة") == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a call with a long subject still voids what it calls for
        ("ودعا الأمين العام للجامعة العربية أحمد أبو الغيط إلى وقف فوري لإطلاق النار", set()),
        # settling one's status is part of a settlement
        ("وأفاد المصدر بأن 80 مسلحاً سووا أوضاعهم لدى الجهات المختصة", {"negotiation"}),
        # departures carried out under an agreement of the episode
        ("خرجت الحافلات من الحي في إطار اتفاق إجلاء المقاتلين وعائلاتهم", {"displacement", "negotiation"}),
    ],
)
def test_calls_settlements_and_agreements(text: str, expected: set[str]) -> None:
    assert types_of(text) == expected


@pytest.mark.parametrize("text, expected", [
    # "فصائل/مناطق التسوية" name former rebels or areas under a settlement: no negotiation happened
    ("اغتال مجهولون القيادي السابق في فصائل التسوية أبو علي المحاميد في مدينة طفس.", ("killing",)),
    ("تشهد مناطق التسوية في ريف درعا الغربي فلتاناً أمنياً.", ()),
    ("بدأت عملية تسوية جديدة لأوضاع المطلوبين في مدينة طفس.", ("negotiation",)),
])
def test_settlement_as_a_descriptor_is_not_an_event(text, expected):
    assert event_types(detect_events(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("فقد استشهد 6 مدنيين في القصف على بلدة كفرنبل.", ("shelling",)),   # قد + past (looks like أستشهد)
    ("وقد أصيب 4 عناصر بجروح في الاشتباكات.", ("armed_clash",)),
    ("قد تندلع اشتباكات جديدة في المنطقة.", ()),                         # قد + imperfect: may
])
def test_qad_with_a_past_verb_is_factual_with_an_imperfect_modal(text, expected):
    assert event_types(detect_events(text)) == expected


def test_nouns_that_start_like_a_future_verb_are_not_a_cue():
    # سائق is not س + an imperfect verb: the death after it is a fact
    assert event_types(detect_events("نجا سائق الحافلة بينما قتل 3 ركاب في انفجار لغم على طريق دير الزور.")) == (
        "explosion",)
    assert event_types(detect_events("ستشن القوات هجوماً واسعاً على المدينة.")) == ()


@pytest.mark.parametrize("text, expected", [
    ("ارتكبت قوات النظام مجزرة بحق عائلة في بلدة كفرنبل راح ضحيتها 7 أشخاص بينهم أطفال.", ("killing",)),
    ("ارتكب الطيران الروسي مجزرة في بلدة كفرنبل بغارات جوية راح ضحيتها 7 مدنيين.", ("airstrike",)),
    ("أحيا الأهالي ذكرى مجزرة الحولة في مظاهرة.", ("protest",)),
    ("لقي مواطن حتفه برصاص عناصر حاجز للفرقة الرابعة في ريف دمشق.", ("killing",)),
    ("اغتيل عنصر سابق في فصائل المعارضة بعبوة ناسفة زرعت في سيارته في مدينة درعا.", ("explosion", "killing")),
])
def test_massacres_passive_assassinations_and_deaths_by_gunfire_are_killings(text, expected):
    assert event_types(detect_events(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("نفذت قوات التحالف الدولي إنزالاً جوياً في بلدة أطمة شمال إدلب استهدف قيادياً في تنظيم حراس الدين.",
     ("raid_arrest",)),
    ("أسفر الإنزال الجوي عن مقتل قيادي في التنظيم.", ("raid_arrest",)),
    ("نفذت الطائرات الروسية عملية جوية واسعة في ريف إدلب.", ("airstrike",)),   # an air operation is no raid
])
def test_an_airborne_landing_is_a_raid(text, expected):
    assert event_types(detect_events(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # return written noun first (أهالي ... بالعودة) or with a construct plural (من مهجري عفرين)
        ("بدأ أهالي كوباني بالعودة من معبر مرشد بينار", {"displacement"}),
        ("عادت دفعة جديدة من مهجري عفرين تضم نحو 300 عائلة إلى قراهم في ناحية شيراوا", {"displacement"}),
        # artillery as the subject before its verb
        ("وذكر المراسل أن المدفعية السورية استهدفت تحركات المسلحين في محيط بلدة الهبيط", {"shelling"}),
    ],
)
def test_robustness_return_and_artillery_subjects(text: str, expected: set[str]) -> None:
    assert types_of(text) == expected
