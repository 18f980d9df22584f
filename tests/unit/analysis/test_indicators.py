"""Report-level escalation signals, their evidence, the score and the verdict."""

from __future__ import annotations

import pytest

from rasd.analysis.casualties import count_casualties
from rasd.analysis.events import detect_events
from rasd.analysis.indicators import EscalationScorer, evidence_fragment, score_escalation
from rasd.schema import Escalation, Signal
from tests.unit.analysis.test_events import seed_text


def assess(text: str) -> Escalation:
    events = detect_events(text)
    killed, injured = count_casualties(text)
    return score_escalation(text, events, killed, injured)


def names(escalation: Escalation) -> set[str]:
    return {signal.name for signal in escalation.signals}


def test_seed_report_is_escalatory() -> None:
    text = seed_text()
    result = assess(text)
    assert result.escalatory
    assert 0.5 <= result.score <= 1.0
    assert {"mobilisation", "offensive_preparation", "ultimatum_threat", "talks"} <= names(result)
    evidence = {signal.name: signal.evidence_text for signal in result.signals}
    assert "إما حل أنفسها أو تحمل عبء الهجوم" in evidence["ultimatum_threat"]
    assert "التحضيرات لمعركة إدلب" in evidence["offensive_preparation"]
    for signal in result.signals:
        assert signal.evidence_text and signal.evidence_text in text


def test_truce_holding_and_returns_are_not_escalatory() -> None:
    text = (
        "تشهد مناطق ريف إدلب هدوءاً حذراً لليوم الخامس على التوالي مع استمرار الالتزام باتفاق وقف إطلاق النار، "
        "في حين عادت مئات العائلات النازحة إلى قراها في جبل الزاوية"
    )
    result = assess(text)
    assert not result.escalatory
    assert result.score == 0.0
    assert {"truce", "displaced_return"} <= names(result)


@pytest.mark.parametrize(
    ("text", "expected", "signal"),
    [
        ("مقتل 12 مدنياً بغارات جوية روسية على مدينة أريحا", True, "mass_casualties"),
        ("قصف مدفعي على ريف إدلب رغم اتفاق وقف إطلاق النار", True, "truce_breakdown"),
        ("انهارت الهدنة في ريف حماة بعد ساعات من سريانها", True, "truce_breakdown"),
        ("استقدمت قوات النظام تعزيزات عسكرية تمهيداً لعملية عسكرية في ريف إدلب", True, "offensive_preparation"),
        ("أعلنت الإدارة الذاتية النفير العام في مناطق شمال وشرق سوريا", True, "mobilisation"),
        ("هددت تركيا بشن عملية عسكرية ضد قسد ومنحتها مهلة أسبوع", True, "ultimatum_threat"),
        ("تجددت الاشتباكات بين الطرفين في محيط البلدة", True, "new_fighting"),
        ("قصفت قوات النظام بالدبابات والمدفعية قرى سهل الغاب", True, "heavy_weapons"),
        ("استؤنفت المفاوضات بين الطرفين في أستانا", False, "talks"),
        ("توصل الطرفان إلى اتفاق تسوية في درعا البلد", False, "agreement"),
        ("عودة مئات العائلات النازحة إلى منازلها في ريف حلب", False, "displaced_return"),
    ],
)
def test_signals_and_verdicts(text: str, expected: bool, signal: str) -> None:
    result = assess(text)
    assert signal in names(result)
    assert result.escalatory is expected


@pytest.mark.parametrize(
    "text",
    [
        "اعتقلت قوات النظام 5 شبان في درعا",
        "خرجت مظاهرة في إدلب رفضاً لفتح المعابر",
        "انفجرت سيارة مفخخة في مدينة أعزاز ما أدى لمقتل 5 أشخاص",
        "اغتال مسلحون مجهولون قيادياً سابقاً في ريف درعا الغربي",
    ],
)
def test_incidents_without_escalation_signals_are_not_escalatory(text: str) -> None:
    assert not assess(text).escalatory


def test_future_and_negated_de_escalation_is_not_a_signal() -> None:
    assert "agreement" not in names(assess("بغية التوصل إلى اتفاق نهائي بين الطرفين"))
    assert "truce" not in names(assess("دعت الأمم المتحدة إلى هدنة إنسانية"))
    # a truce that broke down is no truce
    assert "truce" not in names(assess("خرق الهدنة في ريف إدلب"))


def test_mass_casualties_from_counts_quotes_the_mention() -> None:
    text = "وفي خبر آخر. وثق المرصد مقتل 15 عنصراً من قوات النظام في هجوم للفصائل"
    result = score_escalation(text, [], 15, None)
    evidence = {s.name: s.evidence_text for s in result.signals}
    assert "مقتل 15 عنصراً" in evidence["mass_casualties"]
    assert "mass_casualties" not in names(score_escalation("مقتل 3 عناصر", [], 3, None))
    assert "mass_casualties" in names(score_escalation("هجوم", [], None, 40))


def test_score_is_monotonic_and_bounded() -> None:
    scorer = EscalationScorer.from_data()
    one = scorer.score([Signal("new_fighting", "x")])
    two = scorer.score([Signal("new_fighting", "x"), Signal("mobilisation", "y")])
    calmer = scorer.score([Signal("new_fighting", "x"), Signal("truce", "z")])
    assert 0.0 < calmer < one < two < 1.0
    assert scorer.score([]) == 0.0
    assert scorer.score([Signal("new_fighting", "x"), Signal("new_fighting", "again")]) == one


def test_one_signal_per_name_in_lexicon_order() -> None:
    text = "اشتباكات عنيفة. غارات جوية. تعزيزات عسكرية. مفاوضات بين الطرفين"
    result = assess(text)
    listed = [signal.name for signal in result.signals]
    assert listed == ["mobilisation", "new_fighting", "talks"]


def test_evidence_fragment_is_the_sentence_trimmed() -> None:
    text = "خبر أول. استقدمت قوات النظام تعزيزات إلى ريف إدلب. خبر آخر"
    start = text.index("تعزيزات")
    assert evidence_fragment(text, start, start + 7) == "استقدمت قوات النظام تعزيزات إلى ريف إدلب"
    long_text = "كلمة " * 60 + "تعزيزات" + " كلمة" * 60
    start = long_text.index("تعزيزات")
    fragment = evidence_fragment(long_text, start, start + 7)
    assert "تعزيزات" in fragment and len(fragment) <= 160


def test_three_functions_are_fast_on_a_long_report() -> None:
    import time

    text = seed_text()
    assess(text)  # compile the lexicons once
    runs = 10
    start = time.perf_counter()
    for n in range(runs):
        assess(text + " " * (n + 1) + "اشتباكات")  # distinct texts defeat the per-text caches
    per_report = (time.perf_counter() - start) / runs
    assert per_report < 0.020


@pytest.mark.parametrize(
    "text",
    [
        # a denied threat
        "أكد المحافظ أنه لا يوجد أي تهديد جدي على أمن الطرق في المنطقة",
        # figurative threats: prices, crises, cells threatening a camp's security
        "قال تجار إن الغلاء يهدد معيشة الأسر في المدينة",
        "وجاء الإضراب في وقت تهدد فيه البطالة آلاف الشبان",
        "أضاف أن الجفاف يهدد القدرة الإنتاجية للمزارعين",
    ],
)
def test_denied_and_figurative_threats_are_no_ultimatum(text: str) -> None:
    assert "ultimatum_threat" not in names(assess(text))


def test_a_real_threat_is_still_an_ultimatum() -> None:
    assert "ultimatum_threat" in names(assess("هدد الجيش التركي بشن عملية عسكرية واسعة على البلدة"))


def test_a_tie_between_escalation_and_de_escalation_is_not_escalatory() -> None:
    result = assess("لا تزال الهدنة صامدة في معظم المناطق مع تسجيل خروقات محدودة")
    assert {"truce", "truce_breakdown"} <= names(result)
    assert result.score == pytest.approx(0.5)
    assert not result.escalatory


def test_violating_an_old_agreement_is_a_truce_breakdown() -> None:
    result = assess("توغلت دورية عسكرية في القرية في خرق جديد لاتفاقية الحدود الموقعة قبل عقود")
    assert "truce_breakdown" in names(result)
    assert result.escalatory


def test_settlement_factions_are_not_an_agreement() -> None:
    assert "agreement" not in names(assess("اغتال مجهولون القيادي السابق في فصائل التسوية أبو علي المحاميد في طفس."))
    assert "agreement" in names(assess("بدأت عملية تسوية جديدة لأوضاع المطلوبين في مدينة طفس."))


def test_a_return_written_noun_first_is_a_de_escalatory_signal() -> None:
    escalation = assess("أعلنت الوحدات تحرير المدينة، والمعارك مستمرة في القرى المحيطة، فيما بدأ أهالي كوباني بالعودة.")
    assert {"new_fighting", "displaced_return"} <= names(escalation)
    assert escalation.escalatory is False
