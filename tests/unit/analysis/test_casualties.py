"""Killed and injured counts: number forms, duals, implied ones and the no-double-count rules."""

from __future__ import annotations

import pytest

from rasd.analysis.casualties import (
    CasualtyLexicon,
    Mention,
    count_casualties,
    extract_casualties,
    person_noun_specs,
    taken_from_injured,
    total_mentions,
)
from rasd.analysis.events import analyse_text
from tests.unit.analysis.test_events import seed_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # digits, Eastern Arabic digits, number words and compounds
        ("مقتل 4 عناصر من قوات النظام في اشتباكات مع الفصائل بريف اللاذقية", (4, None)),
        ("مقتل ٣ عناصر من قسد بهجوم لخلايا داعش", (3, None)),
        ("مقتل خمسة وعشرين عنصراً من تنظيم داعش", (25, None)),
        ("مقتل ثلاثة عشر مدنياً", (13, None)),
        ("مقتل مئة وخمسين شخصاً", (150, None)),
        ("أسفرت المعارك عن مقتل أكثر من ألفين من المقاتلين", (2000, None)),
        ("قال المسؤول إن 10 آلاف قتلوا في الهجوم", (10000, None)),
        ("مقتل 1,200 شخص في المعارك", (1200, None)),
        # duals, and the -ين plural that is not a dual
        ("مقتل عنصرين من قوات النظام", (2, None)),
        ("استشهاد طفلين", (2, None)),
        ("استشهاد مدنيين اثنين وإصابة 5 آخرين جراء اعتداء إرهابي بقذائف صاروخية", (2, 5)),
        ("مقتل مدنيين في قصف لقوات النظام", (None, None)),
        ("أصيب 3 من عناصر الشرطة ومدنيان في انفجار سيارة", (None, 5)),
        ("قتل شخص وأصيب اثنان آخران بجروح", (1, 2)),
        ("قتيلان و3 جرحى في قصف على حلب", (2, 3)),
        # an implied one
        ("استشهد طفل وأصيبت والدته بجروح جراء قذيفة", (1, 1)),
        ("مقتل عنصر من قوات النظام برصاص قناص", (1, None)),
        ("مقتل قيادي في هيئة تحرير الشام بانفجار عبوة ناسفة", (1, None)),
        ("مقتل أحد عناصر الفصائل", (1, None)),
        ("مقتل طفل وامرأة", (2, None)),
        ("لقي شاب حتفه بانفجار لغم", (1, None)),
        ("اغتال مسلحون مجهولون مساء أمس، قيادياً سابقاً، ما أدى لمقتله على الفور", (1, None)),
        # count nouns after the count, idioms with the count before
        ("سقوط 3 شهداء و7 جرحى", (3, 7)),
        ("الحصيلة: 5 قتلى و12 جريحاً", (5, 12)),
        ("ارتقاء 3 شهداء", (3, None)),
        ("لقي 3 مدنيين حتفهم جراء انفجار لغم", (3, None)),
        ("لقي 4 أشخاص مصرعهم وأصيب 6 آخرون في حادث", (4, 6)),
        ("وقال الدفاع المدني السوري إن 36 مدنياً قتلوا في بلدات تلبيسة والرستن", (36, None)),
        ("وقال الدفاع المدني إن ٨ مدنيين، بينهم طفلان، قتلوا اليوم بغارات روسية", (8, None)),
        # verbs with a subject before the count, SOHR / SANA / wire phrasing
        ("قال المرصد إن ضربات جوية قتلت 12 مدنيا على الأقل", (12, None)),
        ("قتل 3 أشخاص وأصيب 8 آخرون بانفجار سيارة مفخخة", (3, 8)),
        ("أسفر الانفجار عن مقتل 3 أشخاص وإصابة 12 آخرين بينهم 4 في حالة حرجة", (3, 12)),
        ("وثق المرصد السوري مقتل 6 من عناصر قوات النظام والمسلحين الموالين لها", (6, None)),
        ("إصابة طفل بجروح خطيرة", (None, 1)),
        ("جرح 4 مدنيين", (None, 4)),
        ("إعدام 3 شبان", (3, None)),
        ("العثور على جثث 5 أشخاص", (5, None)),
    ],
)
def test_counts(text: str, expected: tuple[int | None, int | None]) -> None:
    assert count_casualties(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("مقتل نحو 20 عنصراً", (20, None)),
        ("مقتل أكثر من 10 أشخاص", (10, None)),
        ("مقتل ما لا يقل عن 7 مدنيين", (7, None)),
    ],
)
def test_approximations_keep_the_stated_number(text: str, expected: tuple[int | None, int | None]) -> None:
    assert count_casualties(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قتلى وجرحى في قصف على ريف إدلب", (None, None)),
        ("مقتل العشرات من عناصر التنظيم", (None, None)),
        ("سقوط عشرات القتلى في المعارك", (None, None)),
        ("سقطت قذائف هاون ما أدى لإصابة عدد من المواطنين بجراح", (None, None)),
        # a vague quantity beside exact ones leaves that kind unknown
        ("استشهد 48 مواطناً وأصيب 120 آخرون في طرطوس، فيما استشهد 53 مواطناً وأصيب العشرات في جبلة", (101, None)),
    ],
)
def test_vague_quantities_are_not_counted(text: str, expected: tuple[int | None, int | None]) -> None:
    assert count_casualties(text) == expected


def test_subcounts_are_not_added() -> None:
    assert count_casualties("مقتل 7 مدنيين بينهم 3 أطفال و2 من النساء في قصف جوي") == (7, None)
    assert count_casualties("مقتل 12 عنصراً من قوات النظام بينهم ضابطان") == (12, None)
    assert count_casualties("أسفر القصف عن استشهاد 3 مدنيين، هم امرأة وطفلاها") == (3, None)
    assert count_casualties("مقتل عشرات المدنيين بينهم 5 أطفال") == (None, None)


def test_running_totals_are_not_added() -> None:
    assert count_casualties("ارتفع عدد القتلى جراء الغارات على مدينة أريحا إلى 12 مدنياً بينهم 3 أطفال") == (12, None)
    assert count_casualties("ارتفع إلى 9 عدد الشهداء جراء المجزرة") == (9, None)
    assert count_casualties("حصيلة القتلى ترتفع إلى 15") == (15, None)
    assert count_casualties("ارتفع عدد ضحايا التفجير إلى 8 قتلى") == (8, None)
    # an incident count and the new total: the total includes it
    assert count_casualties("مقتل 3 مدنيين بغارة على أريحا، ليرتفع عدد القتلى إلى 12") == (12, None)


def test_campaign_totals_yield_to_the_reports_own_count() -> None:
    text = "مقتل 4 عناصر من قوات النظام، ليرتفع إلى 230 عدد القتلى منذ بدء الحملة العسكرية"
    assert count_casualties(text) == (4, None)
    assert count_casualties("وقال المرصد إن عدد القتلى ارتفع إلى 1018 شخصاً منذ الخميس") == (1018, None)


def test_restatements_count_once_and_distinct_events_add_up() -> None:
    restated = "مقتل 4 عناصر من قوات النظام\nوثق المرصد السوري مقتل 4 عناصر من قوات النظام في هجوم للفصائل"
    assert count_casualties(restated) == (4, None)
    assert count_casualties("مقتل عنصرين في درعا. وفي ريف حمص، مقتل 3 مدنيين بقصف") == (5, None)
    assert count_casualties("مقتل 4 عناصر من قوات النظام و3 من الفصائل في اشتباكات") == (7, None)
    assert count_casualties("قتل خلال الاشتباكات ثلاثة عناصر من “تحرير الشام” وعنصران من “حراس الدين”") == (5, None)
    text = "ووثق المرصد مقتل 23 عنصراً من قوات النظام والمسلحين الموالين لها، مقابل 18 مقاتلاً من الفصائل"
    assert count_casualties(text) == (41, None)
    # an anaphoric "his killing" refers to someone already counted
    text = "أسفر الهجوم عن استشهاد 9 مدنيين. ووصف الحزب عملية اغتيالها بالجريمة"
    assert count_casualties(text) == (9, None)


def test_killed_and_injured_given_together_count_for_neither() -> None:
    assert count_casualties("مقتل وإصابة 10 أشخاص") == (None, None)
    assert count_casualties("سقوط 15 عنصراً بين قتيل وجريح") == (None, None)
    assert count_casualties("سقوط 20 قتيلاً وجريحاً") == (None, None)


def test_negated_and_hypothetical_mentions_do_not_count() -> None:
    assert count_casualties("نفت الوزارة مقتل 5 جنود") == (None, None)
    assert count_casualties("نجا من محاولة اغتيال قيادي") == (None, None)
    assert count_casualties("يواجه المتهم عقوبة الإعدام") == (None, None)


def test_explicit_no_casualties_is_zero_but_no_information_is_null() -> None:
    assert count_casualties("لم يسفر القصف عن وقوع إصابات") == (0, 0)
    assert count_casualties("وأكد البيان أن الهجوم لم يسفر عن أي إصابات أو أضرار مادية") == (0, 0)
    assert count_casualties("قصف مدفعي على القرية، دون ورود معلومات عن خسائر بشرية") == (None, None)
    assert count_casualties("قصف مدفعي على القرية، دون معلومات عن خسائر بشرية") == (None, None)


def test_numbers_that_are_no_casualty_counts() -> None:
    assert count_casualties("مقتل 3 عناصر خلال 48 ساعة") == (3, None)
    assert count_casualties("تعرض اللاعب للإصابة في الدقيقة 65 من المباراة") == (None, None)
    assert count_casualties("نزح أكثر من 50 ألف مدني خلال الأيام الثلاثة الماضية") == (None, None)
    assert count_casualties("قتل الإمام علي في 21 من رمضان") == (None, None)


def test_nothing_countable_is_null() -> None:
    assert count_casualties("") == (None, None)
    assert count_casualties("وحدات من الجيش العربي السوري توقع قتلى في صفوف الإرهابيين") == (None, None)
    assert count_casualties(seed_text()) == (None, None)


def test_mentions_point_into_the_text() -> None:
    text = "مقتل 4 عناصر وإصابة 7 آخرين"
    result = extract_casualties(text)
    assert (result.killed, result.injured) == (4, 7)
    assert [(m.kind, m.count) for m in result.mentions] == [("killed", 4), ("injured", 7)]
    assert all(m.first <= m.last for m in result.mentions)


def test_total_rules_on_mentions() -> None:
    incident = Mention("killed", 3, 0, 1, noun="عنصر")
    restated = Mention("killed", 3, 9, 10, noun=None)
    other = Mention("killed", 3, 20, 21, noun="مدني")
    total = Mention("killed", 12, 30, 33, cumulative=True)
    assert total_mentions([incident, restated], "killed") == 3
    assert total_mentions([incident, other], "killed") == 6
    assert total_mentions([incident, total], "killed") == 12
    assert total_mentions([incident], "injured") is None


def test_person_noun_specs_separate_duals_from_plurals() -> None:
    specs = person_noun_specs(["عنصر"], ["مدني"], ["عناصر"], ["زوجة"])
    assert "عنصرين" in specs["person_dual"]
    assert "مدنيين" in specs["person_ambiguous"] and "مدنيين" not in specs["person_dual"]
    assert "مدنيان" in specs["person_dual"]
    assert "زوجته" in specs["person_singular"]


def test_token_readings_are_remembered_per_distinct_token():
    lexicon = CasualtyLexicon.from_data()
    analysed = analyse_text("مقتل 4 عناصر ومقتل مدني")
    read = lexicon.read_tokens(analysed)
    assert read == [lexicon.read_token(forms) for forms in analysed.forms]
    assert "killed_forward" in read[0][1] and "killed_forward" in read[3][1]  # مقتل، ومقتل
    assert read[1][1] == frozenset() and read[1][2] == "word"  # 4
    assert lexicon.read_tokens(analysed)[0] is read[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "ما لا يقل عن" is an approximation, not a negation
        ("أفاد الناشطون بأن ما لا يقل عن خمسة من عناصر الحاجز قتلوا ليلاً.", (5, None)),
        # a breakdown between the count and its plural verb does not use up the window
        ("قال المصدر إن 23 شخصاً على الأقل، بينهم ثلاث نساء، قتلوا في القصف على السوق.", (23, None)),
        # compound number words with wa- and tolls of two groups in one sentence
        ("قتل في المعارك ألف ومئتان وأربعون عنصراً، فيما قتل مئة وعشرون مقاتلاً من الفصائل.", (1360, None)),
        # a woman and her child, a leader and his companion
        ("قتلت امرأة وطفلها في غارة على البلدة.", (2, None)),
        ("قتل القائد الميداني ورفيقه، وأربعة مدنيين بينهم طفل، في غارة.", (6, None)),
        ("قتل الضابط برفقة ثلاثة من مرافقيه بعبوة ناسفة.", (4, None)),
        # an ordinal "a third" is one more person; a dual verb after its dual subject
        ("قتل عنصران من الشرطة، أحدهما ضابط، وأصيب ثالث بجروح.", (2, 1)),
        ("وذكر المصدر أن عنصرين أصيبا بجروح خلال المداهمة.", (None, 2)),
        # a definite dual refers back to people already counted
        ("قتل رجل وابنه بقذيفة، وانتشل المسعفون جثتي الضحيتين.", (2, None)),
        # "between killed and wounded" without a count makes both tolls unknowable
        ("أصيب شخصان بالقذيفة، وأوقع الجيش المهاجمين بين قتيل وجريح.", (None, None)),
        # an explicit "no martyrs" next to a count of wounded
        ("أصيب جنديان بجروح في القصف، ولم يسفر عن أي شهداء.", (0, 2)),
    ],
)
def test_dev2_casualty_rules(text: str, expected: tuple[int | None, int | None]) -> None:
    assert count_casualties(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a toll since the start of the war is background, not this report's count
        ("قتل أربعة مدنيين بقصف على البلدة. ومنذ اندلاع النزاع عام 2011 قتل أكثر من 300 ألف شخص.", 4),
        # a toll since the start of this offensive is a running total of the episode
        ("ارتفع إلى 140 عدد الذين قضوا منذ بدء الهجوم على المدينة. وقتل اليوم 6 مدنيين في غارات.", 140),
        # a lead figure followed by its parts is not added again
        ("قتل 20 شخصاً في أنحاء البلاد. وقتل 12 مدنياً في قصف على حمص، فيما قتل ثمانية جنود في اشتباكات بدرعا.", 20),
        # a passive assassination verb
        ("اغتيل قائد مجموعة محلية بإطلاق نار في البلدة.", 1),
    ],
)
def test_background_episode_and_lead_totals(text: str, expected: int) -> None:
    assert count_casualties(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a total reached by إلى far from the running-total word; its parts are not added
        ("ارتفع عدد ضحايا التفجير الذي ضرب سوق المدينة أمس إلى 41 قتيلاً، بعد وفاة 4 من الجرحى.", 41),
        # a count told after the total, of other people, in a sentence of its own is added
        ("ارتفع إلى 20 عدد عناصر الشرطة الذين قتلوا في الهجوم. وقتل في الرد 7 من المهاجمين.", 27),
        # but not when its sentence says it is part of the total
        ("ارتفع إلى 50 عدد القتلى منذ بدء المعارك. ومن ضمن الحصيلة، 6 مدنيين قتلوا اليوم.", 50),
    ],
)
def test_running_totals_and_later_counts(text: str, expected: int) -> None:
    assert count_casualties(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # counts joined to a plural-verb subject across a contrast
        ("وقال المصدر إن 12 عنصراً من الحرس قتلوا في الهجوم، مقابل 5 من المهاجمين.", (17, None)),
        # an indefinite singular subject before its past verb
        ("وذكر الجيش أن جندياً أصيب بجروح طفيفة.", (None, 1)),
        # neutralised: killed, wounded or captured, nobody can tell
        ("أعلنت الوزارة تحييد 40 مسلحاً، وأصيب جنديان في الاشتباكات.", (None, None)),
        # a vague number added to a count makes the total unknowable
        ("أسفرت المواجهات عن مقتل 9 مدنيين في القرية، إلى جانب عشرات المسلحين.", (None, None)),
        # a companion count may close a long name
        ("قتل القائد العسكري السابق في اللواء الأول أبو محمد الحوراني برفقة اثنين من مرافقيه.", (3, None)),
        # a wa- word whose clitics leave a kin noun is no person (وباب، وعم)
        ("قتل 5 مدنيين في قصف على حي الخالدية وباب السباع.", (5, None)),
    ],
)
def test_subjects_neutralised_and_additions(text: str, expected: tuple[int | None, int | None]) -> None:
    assert count_casualties(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an active death verb, its plural subject, then the victim and his deputy
        ("اغتال مسلحون ملثمون القائد الميداني للواء ونائبه قرب البلدة.", (2, None)),
        ("قتل مسلحون الشاب بإطلاق النار عليه.", (1, None)),
        # a nisba of the subject's description is no victim
        ("اغتال عناصر الاستخبارات التركي المعارض البارز في المدينة.", (None, None)),
    ],
)
def test_victim_after_the_subject_of_an_active_verb(text: str, expected: tuple[int | None, int | None]) -> None:
    assert count_casualties(text) == expected


def test_a_running_toll_of_human_losses_counts_the_dead() -> None:
    text = "ارتفعت حصيلة الخسائر البشرية منذ بدء المواجهات إلى 31، هم: 20 من المسلحين و11 مدنياً، فيما أصيب 40 آخرون"
    assert count_casualties(text) == (31, 40)
    assert count_casualties("لم يسفر القصف عن أي خسائر بشرية") == (0, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # قضى as a death verb, and as "eliminated" with على
        ("قضى 4 مواطنين بينهم طفلان جراء قصف صاروخي", (4, None)),
        ("قضت سيدة وطفلها غرقاً في نهر الفرات", (2, None)),
        ("قال مصدر إن الجيش قضى على أكثر من 40 مسلحاً ودمر 6 عربات", (40, None)),
        ("قضت المحكمة بسجنه 5 سنوات", (None, None)),
        ("قضى 3 أعوام في المعتقل", (None, None)),
        # القضاء على / تقضي على N count; without على the noun is the judiciary
        ("وحدات من الجيش تقضي على 23 إرهابياً وتدمر 4 آليات", (23, None)),
        ("أعلنت قسد القضاء على 5 من مرتزقة داعش وأسر اثنين آخرين", (5, None)),
        ("القضاء على عدد من الإرهابيين وتدمير أوكارهم", (None, None)),
        ("أصدر القضاء العسكري حكماً بحق 4 ضباط", (None, None)),
        # فقد / فارق with a life word
        ("فقد 3 مقاتلين من قسد حياتهم خلال التصدي للهجوم", (3, None)),
        ("فارق الطفل محمد (7 سنوات) الحياة متأثراً بإصابته", (1, None)),
        ("ارتفع إلى 11 عدد الذين فارقوا الحياة جراء المجزرة", (11, None)),
        ("فقدت قوات النظام السيطرة على 3 قرى", (None, None)),
        # راح ضحيتها / راح ضحية X N
        ("مجزرة راح ضحيتها 4 مدنيين بينهم طفلان، فيما أصيب 5 آخرون", (4, 5)),
        ("راح ضحية الانفجار ثلاثة أشخاص وأصيب آخرون بجروح", (3, None)),
        # construct duals of bodies and of persons with a pronoun
        ("عثر الأهالي على جثتي شابين في ريف درعا", (2, None)),
        ("استشهاد سيدة وطفلتيها جراء قصف مدفعي", (3, None)),
        ("قضى طفل ووالداه جراء سقوط قذيفة", (3, None)),
        ("اغتيال شخصية بارزة في درعا", (1, None)),
        # a singular count noun right after a death verb
        ("ارتقى الشهيد المساعد أول علي حسن متأثراً بجروح أصيب بها", (1, None)),
        # ordinals as one more
        ("لقي خمسة عمال حتفهم وأصيب سادس بجروح خطيرة", (5, 1)),
    ],
)
def test_death_idioms_and_forms(text: str, expected: tuple[int | None, int | None]) -> None:
    assert count_casualties(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("سجلت مديرية الصحة 37 حالة اختناق، بينها 11 طفلاً، إثر القصف", (None, 37)),
        ("أصيب 12 شخصاً بحالات اختناق", (None, 12)),
        ("أصيب عدد من المدنيين بحالات اختناق", (None, None)),
    ],
)
def test_suffocation_cases_are_injuries(text: str, expected: tuple[int | None, int | None]) -> None:
    assert count_casualties(text) == expected


def test_material_damage_only_is_an_explicit_zero() -> None:
    assert count_casualties("سقطت 3 قذائف صاروخية على حي المزة، واقتصرت الأضرار على الماديات") == (0, 0)
    assert count_casualties("أسقطت الدفاعات معظم الصواريخ، واقتصرت الخسائر على الماديات") == (0, 0)
    assert count_casualties("أدى الاعتداء إلى وقوع أضرار مادية كبيرة في الممتلكات") == (None, None)
    assert count_casualties("سقطت قذائف واقتصرت الأضرار على منازل المدنيين") == (None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the dead are some of the injured told before: each person once, as dead
        ("أصيب خمسة مدنيين بجروح جراء انفجار لغم، توفي أحدهم لاحقاً في المشفى متأثراً بجراحه", (1, 4)),
        ("أصيب ثلاثة عناصر بانفجار عبوة، قبل أن يفارق أحدهم الحياة متأثراً بجراحه", (1, 2)),
        ("أصيب 4 أشخاص بجروح وتوفي اثنان منهم لاحقاً", (2, 2)),
        # an injured figure told after the deaths is already current
        ("أصيب 5 أشخاص بجروح. ولاحقاً توفي أحدهم، فيما ارتفع عدد المصابين إلى 7", (1, 7)),
        # no injured figure before: just a death
        ("اعتقل 5 أشخاص وتوفي أحدهم تحت التعذيب", (1, None)),
        ("توفي طفل يبلغ من العمر 12 عاماً متأثراً بجراح أصيب بها قبل أيام", (1, None)),
    ],
)
def test_injured_then_dead_count_once(text: str, expected: tuple[int | None, int | None]) -> None:
    assert count_casualties(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a count of the other kind ends the coordination
        ("ارتفعت حصيلة ضحايا الاعتداء إلى 23 شهيداً و10 جرحى", (23, 10)),
        ("ارتفع عدد القتلى إلى 12 وعدد الجرحى إلى 30", (12, 30)),
        # a joined vague quantity of people: that kind unknown
        ("قتل 5 مدنيين وعشرات المقاتلين من الطرفين", (None, None)),
        ("قتل 4 عناصر وعدد من المسلحين الموالين", (None, None)),
        ("أسفر القصف عن مقتل 3 مدنيين وعشرات الجرحى", (3, None)),
        # "one" after a noun is no joined count
        ("قتل 3 أشخاص من عائلة واحدة في 14 تموز 2019", (3, None)),
        # counted nouns joined by wa- keep their counts; a count before بين قتيل وجريح counts for neither
        ("جريحان وقتيل في قصف على سرمدا", (1, 2)),
        ("سقوط قتيل وجريح بقصف", (1, 1)),
        ("أسفر الاعتداء عن سقوط 16 ضحية بين قتيل وجريح", (None, None)),
    ],
)
def test_coordination_of_counts(text: str, expected: tuple[int | None, int | None]) -> None:
    assert count_casualties(text) == expected


def test_a_count_after_also_is_of_other_people() -> None:
    text = "قتل عنصران من قسد في هجوم بريف دير الزور. كما قتل عنصران من قوات الحكومة في كمين بالبادية."
    assert count_casualties(text) == (4, None)
    restated = "قتل عنصران من قسد في هجوم\nقتل عنصران من قسد في هجوم بريف دير الزور"
    assert count_casualties(restated) == (2, None)


def test_taken_from_injured_needs_an_injured_figure_before_the_death() -> None:
    death = Mention("killed", 1, 9, 10, of_injured=True)
    assert taken_from_injured([Mention("injured", 5, 0, 2), death]) == 1
    assert taken_from_injured([death, Mention("injured", 7, 12, 14)]) == 0
    assert taken_from_injured([Mention("injured", 5, 0, 2), death, Mention("injured", 7, 12, 14)]) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("اغتال مجهولون القيادي السابق أبو علي المحاميد بإطلاق النار عليه في مدينة طفس.", (1, None)),
        ("أعدم تنظيم داعش شاباً من أبناء بلدة ذيبان", (1, None)),
        ("قنصت قوات النظام المتمركزة على أطراف بلدة الكبينة مواطناً أثناء عمله", (1, None)),
        ("اغتالت مجموعة مسلحة مجهولة عضو لجنة المصالحة في بلدة اليادودة", (1, None)),
        ("قتل مسلحون مجهولون شاباً وطفله في ريف درعا الغربي", (2, None)),
        ("صفّى عناصر من خلايا التنظيم راعي أغنام في البادية", (1, None)),
        ("ذبح مسلحون راعياً في بادية حماة", (1, None)),
        ("قتلت القوات التركية شاباً سورياً أثناء محاولته عبور الحدود", (1, None)),
        # no object: a country name, a passive verb after الذين, an adjective after its noun
        ("اغتال مرتزقة الاحتلال التركي الأمينة العامة لحزب سوريا المستقبل", (None, None)),
        ("ارتفع إلى 33 عدد الجنود الذين قتلوا في غارة نسبتها تركيا إلى دمشق", (33, None)),
        ("قتل الجيش التركي عدداً من المهربين", (None, None)),
    ],
)
def test_the_victim_of_an_active_killing_verb(text: str, expected: tuple[int | None, int | None]) -> None:
    assert count_casualties(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "حاول مسلحون مجهولون اغتيال القيادي أبو خالد الزعبي في بلدة المسيفرة",
        "نجا رئيس المجلس المحلي من محاولة اغتيال نفذها مجهولون بعبوة ناسفة",
        "تعرض قيادي في مجلس دير الزور العسكري لمحاولة اغتيال فاشلة",
        "استهدف مجهولون القيادي السابق أبو أحمد بإطلاق النار عليه قرب مدينة جاسم",
    ],
)
def test_attempts_and_targeting_are_no_deaths(text: str) -> None:
    assert count_casualties(text)[0] is None


def test_an_attempt_governs_only_its_own_predicate() -> None:
    assert count_casualties("نجا الطفل وقتل والده بانفجار اللغم") == (1, None)
    assert count_casualties("نجا السائق بينما قتل 3 ركاب") == (3, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قتل شاب برصاص مجهولين في مدينة طفس، ليرتفع عدد القتلى في المحافظة منذ مطلع العام إلى 35.", 1),
        ("قتل مواطن برصاص مجهولين، وبذلك يرتفع إلى 187 عدد الذين قتلوا منذ بداية العام الجاري.", 1),
        ("استشهد مواطن جراء قصف مسيرة، وبذلك يرتفع عدد الشهداء منذ مطلع 2024 إلى 62 شهيداً.", 1),
        ("قتل عنصران بهجوم للتنظيم، لترتفع حصيلة القتلى خلال الشهر الماضي إلى 41.", 2),
        ("قتل 4 أشخاص بانفجار عبوة، ليرتفع عدد القتلى منذ مطلع تشرين الأول إلى 29.", 4),
        ("قتل 3 مقاتلين بقصف مدفعي، ليرتفع عدد القتلى منذ بداية الحملة العسكرية في أيار إلى 540.", 3),
        # no count of its own: the background figure is the toll
        ("وثق مكتب التوثيق مقتل 47 شخصاً في محافظة درعا خلال شهر تشرين الأول", 47),
        # a running total of the same episode
        ("ارتفع إلى 12 عدد قتلى القصف الجوي على سوق مدينة أريحا", 12),
        ("قتل 3 عناصر بهجوم للتنظيم، ليرتفع إلى 12 عدد قتلى الهجوم منذ فجر اليوم.", 12),
    ],
)
def test_background_tallies_yield_to_the_reports_own_count(text: str, expected: int) -> None:
    assert count_casualties(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("اغتال مجهولون القيادي أبو علي المحاميد في طفس، ليرتفع عدد عمليات الاغتيال في المحافظة إلى 35.", 1),
        ("قتل شاب في بلدة المزيريب، فيما بلغ عدد محاولات الاغتيال خلال الشهر الجاري 11 محاولة.", 1),
        ("سجل الدفاع المدني 9 حوادث قتل خلال أسبوع، كان آخرها مقتل شاب بطلق ناري في اعزاز.", 1),
        ("اغتيل الشاب أحمد الرفاعي برصاص مجهولين، وهو الاغتيال الرابع في البلدة.", 1),
        ("أحصى المرصد 35 عملية اغتيال في درعا منذ مطلع العام، أسفرت عن مقتل 28 شخصاً.", 28),
    ],
)
def test_counts_of_operations_are_not_people(text: str, expected: int) -> None:
    assert count_casualties(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قتل 12 مدنياً بينهم 3 أطفال، و8 من قوات النظام، و5 من الفصائل، في قصف ومعارك", (25, None)),
        ("وثق المرصد مقتل 25 شخصاً اليوم، وهم: 12 مدنياً بينهم 3 أطفال، و8 من قوات النظام، و5 من الفصائل.", (25, None)),
        ("قتل 12 شخصاً بينهم 3 أطفال، و5 نساء", (12, None)),
        ("ارتقاء (5) شهداء وإصابة (11) آخرين جراء انفجار سيارة مفخخة", (5, 11)),
        ("فقد بلغ عدد الشهداء (7) والجرحى (15) جراء القصف", (7, 15)),
        ("سقوط ٥ قتلى و١٢ جريحاً بقصف مدفعي", (5, 12)),
        ("أصيب 3 مدنيين بجروح خطيرة جراء انفجار عبوة ناسفة", (None, 3)),
        ("لقي ثلاثة أشخاص مصرعهم وأصيب اثنان آخران بجروح، إثر حادث سير", (3, 2)),
        ("ارتفع عدد الضحايا إلى 6 شهداء و14 جريحاً، بعد استشهاد اثنين من المصابين.", (6, 14)),
    ],
)
def test_summaries_brackets_and_state_media(text: str, expected: tuple[int | None, int | None]) -> None:
    assert count_casualties(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قال مسعفون إن ما بين 5 و7 أشخاص قتلوا في الغارة", 5),
        ("أسفر القصف عن مقتل بين عشرة واثني عشر مدنياً", 10),
        ("قتل 3 أو 4 عناصر بهجوم على حاجز", 3),
        ("تراوح عدد القتلى بين 8 و10 في صفوف المدنيين", 8),
        ("أسفر القصف عن مقتل ما بين 20 إلى 30 شخصاً", 20),
        ("سقوط بين 5 و7 قتلى", 5),
        # not ranges: compounds, and an update
        ("مقتل خمسة وعشرين عنصراً", 25),
        ("مقتل مئة واثني عشر شخصاً", 112),
        ("ارتفع عدد القتلى من 5 إلى 7", 7),
    ],
)
def test_a_range_keeps_its_lower_bound(text: str, expected: int) -> None:
    assert count_casualties(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # بين القتلى / من بين الجرحى opens a breakdown of the total, not more dead
        ("مما أسفر عن مقتل 24 شخصا على الأقل. وقال المرصد إن بين القتلى ستة أطفال.", (24, None)),
        ("مقتل 24 شخصا، ومن بين القتلى ستة أطفال.", (24, None)),
        ("وثق مقتل 12 شخصاً، ضمن القتلى 4 أطفال", (12, None)),
        # an indefinite split of a total is still counted as before
        ("قتل 5 مدنيين بين بلدتي كفرنبل وحاس", (5, None)),
        # a wa-joined count after a name ending in العام is no year
        ("مقتل 52 عنصراً من قوات وزارة الدفاع والأمن العام و40 مسلحاً من فلول النظام خلال اشتباكات", (92, None)),
        ("قتل 3 أشخاص في العام 2020 بقصف", (3, None)),
    ],
)
def test_robustness_breakdowns_and_joined_counts(text: str, expected: tuple[int | None, int | None]) -> None:
    assert count_casualties(text) == expected
