import pytest

from rasd.text.normalize import _ONE_TO_ONE, SPECIAL_RE, normalize_ar, translate_plain


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("هَيْئَةُ تَحْرِيرِ الشَّامِ", "هيئه تحرير الشام"),
        ("إدلب وأريحا وآل ٱلشام", "ادلب واريحا وال الشام"),
        ("مستشفى", "مستشفي"),
        ("قريــــة", "قريه"),
        ("٣ قتلى و۱۲ جريحاً", "3 قتلي و12 جريحا"),
        ("\ufefb \ufef7", "لا لا"),  # ligatures ﻻ ﻷ
        ("SOHR  Reported\n\nIdlib", "sohr reported idlib"),
        ("\u200fإدلب\u200e \u202bحماة\u202c", "ادلب حماه"),
        ("  حلب\t", "حلب"),
        ("و\u0654 ا\u0655", "ؤ ا"),  # combining hamza composes
        ("\u06cc\u06a9", "يك"),  # Persian yeh and keheh
    ],
)
def test_normalize_ar_folds_arabic_variants(written, expected):
    assert normalize_ar(written) == expected


def test_normalize_ar_keeps_html_and_emoji():
    assert normalize_ar("<b>قصف</b> 🔥") == "<b>قصف</b> 🔥"


def test_normalize_ar_is_idempotent():
    text = "قَصَفَتْ قوات النظام ﻻ ٢٠١٨ Idlib\u200e 🔥"
    once = normalize_ar(text)
    assert normalize_ar(once) == once


def test_translate_plain_is_the_one_to_one_table():
    every_fold = "".join(map(chr, _ONE_TO_ONE)) + " قال إنّ الأمم المتحدة ZOO ١٥ ۴"
    assert translate_plain(every_fold) == every_fold.translate(_ONE_TO_ONE)
    assert translate_plain("مدينة") == "مدينه"


def test_no_folded_character_is_special():
    # the aligner folds a whole text before it looks at its special characters
    assert not any(SPECIAL_RE.match(chr(code)) for code in _ONE_TO_ONE)


def test_special_scanner_agrees_with_special_re_on_the_whole_plane():
    from rasd.text.normalize import special_scanner

    every_char = "a".join(map(chr, range(0x10000))) + " \t\u00a0\n\n x  y\u2028\u3000z"
    assert [m.span() for m in special_scanner().finditer(every_char)] == [
        m.span() for m in SPECIAL_RE.finditer(every_char)]


def test_special_scanner_leaves_astral_characters_to_special_re():
    from rasd.text.normalize import special_scanner

    text = "قصف 😀 \U0001d400 \U000e0041"  # an emoji (plain), a math capital and a tag (special)
    candidates = [m.group() for m in special_scanner().finditer(text)]
    assert candidates == ["😀", "\U0001d400", "\U000e0041"]
    assert [c for c in candidates if SPECIAL_RE.match(c)] == ["\U0001d400", "\U000e0041"]
