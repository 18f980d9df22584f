import random

import pytest

from rasd.text.aligned import align_normalize
from rasd.text.normalize import normalize_ar

TRICKY = [
    "هَيْئَةُ تَحْرِيرِ الشَّامِ",
    "الشــــام",
    "\ufefb\ufef7 لا",
    "قصف 🔥👨\u200d👩\u200d👧 على حلب 🇸🇾",
    "<p dir=\"rtl\">قصف <b>إدلب</b></p>&nbsp;",
    "\u200fإدلب\u200e \u202bحماة\u202c \u2067x\u2069",
    "SOHR reported  that \r\n٣ civilians قتلوا",
    "  \u200b  ",
    "",
    "e\u0301 و\u064e\u0654 ى\u0654",
    "\ufdf2 \ufdfa \ufdfd",
]


def _check_alignment(text):
    aligned = align_normalize(text)
    assert aligned.original == text
    assert len(aligned.offsets) == len(aligned.normalized) + 1
    assert aligned.offsets[-1] == len(text)
    assert list(aligned.offsets) == sorted(aligned.offsets)
    assert aligned.normalized == normalize_ar(text)
    for i, char in enumerate(aligned.normalized):
        source = text[aligned.offsets[i]]
        if char == " ":
            assert source.isspace() or " " in normalize_ar(source)  # ﷺ expands to words
        else:
            assert not source.isspace()
    return aligned


@pytest.mark.parametrize("text", TRICKY)
def test_alignment_invariants_hold_on_tricky_text(text):
    _check_alignment(text)


def test_alignment_survives_random_mixtures():
    alphabet = list("ابتثحلمنهويىةأإآ ًٌٍَُِّْـ٠٣۵٩AZaz <>/.،؟!\n\t") + [
        "\u200e", "\u200f", "\u202b", "\u2066", "\u200b", "\u200c", "\u200d", "\ufeff",
        "\ufefb", "\ufef5", "\ufdf2", "\ufe8d", "\u0654", "\u0653", "\u0655", "\u0301",
        "🔥", "\ufe0f", "\u00a0", "\u2003", "ﹰ",
    ]
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        _check_alignment(text)


def test_to_original_maps_word_with_diacritics_and_tatweel():
    text = "في إدْلِبَ وحمــاة"
    aligned = align_normalize(text)
    start = aligned.normalized.index("ادلب")
    ostart, oend = aligned.to_original(start, start + 4)
    assert text[ostart:oend] == "إدْلِبَ"
    start = aligned.normalized.index("حماه")
    ostart, oend = aligned.to_original(start, start + 4)
    assert text[ostart:oend] == "حمــاة"


def test_to_original_maps_ligature_expansion_to_the_ligature():
    text = "ب\ufefbد"
    aligned = align_normalize(text)
    assert aligned.normalized == "بلاد"
    assert aligned.to_original(1, 3) == (1, 2)
    assert aligned.to_original(0, 4) == (0, 3)


def test_to_original_skips_bidi_controls_before_a_word():
    text = "\u200fحلب\u200e"
    aligned = align_normalize(text)
    assert aligned.normalized == "حلب"
    assert aligned.to_original(0, 3) == (1, 4)


def test_to_original_rejects_out_of_range_span():
    with pytest.raises(ValueError):
        align_normalize("حلب").to_original(0, 9)


def test_align_normalize_of_a_long_text_is_shared_and_equal():
    text = "هَيْئَةُ تحرير الشام في إدلب. " * 20
    assert align_normalize(text) is align_normalize(text)
    assert align_normalize(text) == align_normalize("".join(list(text)))
    assert align_normalize(text).normalized == normalize_ar(text)


def test_align_normalize_of_a_short_text_is_shared_and_equal():
    name = "معرّة النعمان"
    assert align_normalize(name) is align_normalize(name)
    assert align_normalize(name).normalized == "معره النعمان"
    assert align_normalize("".join(list(name))).original[slice(*align_normalize(name).to_original(5, 12))] == "النعمان"
