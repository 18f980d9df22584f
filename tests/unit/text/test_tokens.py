import random

import pytest

from rasd.text.aligned import align_normalize
from rasd.text.tokens import (_NOT_PLAIN_RE, _PIECE_RE, _PLAIN_PIECE_RE, Token, _tokens_by_matches, _tokens_by_pieces,
                               clitic_splits, tokenize, tokens_after_line_breaks)


def _assert_offsets(text, tokens):
    for token in tokens:
        assert text[token.start:token.end] == token.text
    starts = [t.start for t in tokens]
    assert starts == sorted(starts)


def test_tokenize_separates_words_numbers_and_punctuation():
    text = "قُتل ٣ مدنيين، وأُصيب ١٢٫٥ في إدلب."
    tokens = tokenize(text)
    _assert_offsets(text, tokens)
    assert [t.norm for t in tokens] == ["قتل", "3", "مدنيين", "،", "واصيب", "12٫5", "في", "ادلب", "."]
    assert tokens[0].text == "قُتل"


def test_tokenize_keeps_offsets_through_html_emoji_latin_and_controls():
    text = "<p>\u200fقصف\u200e 🔥 على Idlib&nbsp;الشــام</p>"
    tokens = tokenize(text)
    _assert_offsets(text, tokens)
    assert [t.text for t in tokens] == ["<p>", "قصف", "🔥", "على", "Idlib", "&nbsp;", "الشــام", "</p>"]
    assert [t.norm for t in tokens][4] == "idlib"


def test_tokenize_maps_ligature_words_back():
    text = "ب\ufefbد الشام"
    tokens = tokenize(text)
    _assert_offsets(text, tokens)
    assert tokens[0].norm == "بلاد" and tokens[0].text == "ب\ufefbد"


def test_tokenize_empty_text():
    assert tokenize("") == []
    assert tokenize(" \u200e\n ") == []


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("وبسهل", [(0, "وبسهل"), (1, "بسهل"), (2, "سهل")]),
        ("للنظام", [(0, "للنظام"), (1, "النظام")]),
        ("والحزب", [(0, "والحزب"), (1, "الحزب")]),
        ("فالقوات", [(0, "فالقوات"), (1, "القوات")]),
        ("كالذي", [(0, "كالذي"), (1, "الذي")]),
        ("وللنظام", [(0, "وللنظام"), (1, "للنظام"), (2, "النظام")]),
    ],
)
def test_clitic_splits_strips_proclitics(word, expected):
    assert clitic_splits(word) == expected


@pytest.mark.parametrize("word", ["وادي", "بلده", "لبنان", "في", "و"])
def test_clitic_splits_keeps_real_words_first(word):
    splits = clitic_splits(word)
    assert splits[0] == (0, word)
    assert all(len(rest) >= 2 for prefix, rest in splits if prefix)


def test_clitic_splits_needs_a_stem_of_two_letters():
    assert clitic_splits("ول") == [(0, "ول")]


def test_tokenize_returns_a_fresh_list_for_a_repeated_long_text():
    text = "قصفت قوات النظام بلدة كفرنبودة بريف حماة الشمالي. " * 10
    first = tokenize(text)
    first.clear()
    again = tokenize(text)
    assert len(again) == 90 and again == tokenize(text)
    assert again[0] == Token("قصفت", "قصفت", 0, 4)


def test_tokenize_returns_a_fresh_list_for_a_repeated_short_text():
    first = tokenize("بريف حماة")
    first.append(Token("x", "x", 0, 1))
    assert [t.norm for t in tokenize("بريف حماة")] == ["بريف", "حماه"]


@pytest.mark.parametrize("text", [
    "قُتل ٣ مدنيين، وأُصيب ١٢٫٥ في إدلب.",
    "  هَيْئَةُ تحريــر\u200cالشّام\n\n«قال» (هنا) - هناك… <b>نص</b> &amp; 3,500.5 😀👍🏽 ﻻ ",
    "",
    "\n",
])
def test_tokens_by_pieces_agree_with_match_by_match(text):
    aligned = align_normalize(text)
    assert _tokens_by_pieces(aligned) == _tokens_by_matches(aligned)


def test_tokens_after_line_breaks():
    text = "قصف حلب.\n\nوقتل ثلاثة\nمدنيين\n"
    assert tokens_after_line_breaks(text, tokenize(text)) == [3, 5]
    assert tokens_after_line_breaks("قصف حلب", tokenize("قصف حلب")) == []


def test_plain_pieces_agree_with_the_general_pattern():
    rng = random.Random(3)
    alphabet = "قصفحلبادي  0123abc.,،؛؟!-«»()<>/&#;:\"'–“”%٫٬_^`~"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(3000)]
    texts += ["<b dir=\"rtl\">نص</b> &amp; 3,500.5 و12٫5 ٪", "a  b"]
    for text in texts:
        assert _NOT_PLAIN_RE.search(text) is None, text
        assert _PLAIN_PIECE_RE.findall(text) == _PIECE_RE.findall(text), text
