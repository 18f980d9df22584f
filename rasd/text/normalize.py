"""The Arabic matching form: one normalisation every component compares in.

``normalize_ar`` turns Arabic as written into the form names, lexicon entries
and gazetteer rows are compared in: NFKC (presentation-form ligatures and
fullwidth forms unfolded), diacritics, tatweel and invisible controls removed,
the hamzated and wasla alefs folded to bare alef, alef maksura to yeh, teh
marbuta to heh, Eastern Arabic and Persian digits to ASCII, Latin lower-cased,
whitespace runs collapsed to one space.

The same character rules drive :mod:`rasd.text.aligned`, which keeps an offset
table back to the original text; the two always agree on the normalised string.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import regex
from camel_tools.utils.charsets import AR_DIAC_CHARSET
from camel_tools.utils.normalize import normalize_unicode

# Arabic marks dropped besides camel-tools' diacritics: the rest of the
# harakat block (U+064B-U+065F: maddah, hamza above/below, small marks),
# Qur'anic annotation signs (U+06D6-U+06ED), extended-Arabic marks
# (U+08D3-U+08FF) and the tatweel (U+0640).
_ARABIC_MARKS = (
    frozenset(AR_DIAC_CHARSET)
    | frozenset(map(chr, range(0x064B, 0x0660)))
    | frozenset(map(chr, range(0x0610, 0x061B)))
    | frozenset(map(chr, range(0x06D6, 0x06DD)))
    | frozenset(map(chr, range(0x06DF, 0x06E5)))
    | frozenset("\u06e7\u06e8\u06ea\u06eb\u06ec\u06ed")
    | frozenset(map(chr, range(0x08D3, 0x0900)))
    | frozenset("\u0640")
)

# Marks that may compose with the previous letter under NFC (آ أ إ ؤ ئ ...).
_COMPOSING_MARKS = frozenset("\u0653\u0654\u0655")

_ONE_TO_ONE: dict[int, str] = {
    **{ord(c): "\u0627" for c in "\u0623\u0625\u0622\u0671\u0672\u0673"},  # أ إ آ ٱ ٲ ٳ -> ا
    ord("\u0649"): "\u064a",  # ى -> ي
    ord("\u06cc"): "\u064a",  # Persian ی -> ي
    ord("\u06d2"): "\u064a",  # ے -> ي
    ord("\u06a9"): "\u0643",  # Persian ک -> ك
    ord("\u0629"): "\u0647",  # ة -> ه
    ord("\u06c0"): "\u0647",  # ۀ -> ه
    ord("\u06d5"): "\u0647",  # ە -> ه
    **{0x0660 + i: str(i) for i in range(10)},  # ٠-٩
    **{0x06F0 + i: str(i) for i in range(10)},  # ۰-۹
    **{ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
}

# The folds of almost every Arabic text (hamzated alefs, alef maksura, teh
# marbuta), done by str.replace, and the rest, looked for first.
_FREQUENT_FOLDS = tuple((char, _ONE_TO_ONE[ord(char)]) for char in "\u0623\u0625\u0622\u0649\u0629")  # أ إ آ ى ة
_RARE_FOLDS = {code: folded for code, folded in _ONE_TO_ONE.items() if chr(code) not in dict(_FREQUENT_FOLDS)}
_RARE_FOLD_RE = re.compile("[" + "".join(map(re.escape, map(chr, _RARE_FOLDS))) + "]")

# Characters that are not mapped one-to-one by ``_ONE_TO_ONE``: whitespace other
# than a single space, every mark, format/bidi controls, default-ignorables,
# the tatweel, anything NFKC changes, and non-ASCII capitals.
SPECIAL_RE = regex.compile(
    r"(?V1)\s{2,}|[^\S ]"
    r"|[[\p{M}\p{Cf}\p{Default_Ignorable_Code_Point}\p{NFKC_QC=N}\p{NFKC_QC=M}"
    r"\p{Changes_When_Lowercased}\u0640]--[A-Z]]"
)

_SPACE_RUN_RE = regex.compile(r" {2,}")

_ASTRAL = "\U00010000-\U0010ffff"


@functools.cache
def special_scanner() -> re.Pattern[str]:
    """``SPECIAL_RE`` for the basic multilingual plane, spelt out for the standard ``re``.

    The regex module tests every character of a report against the Unicode
    properties of ``SPECIAL_RE``; ``re`` looks a character up in a table, three
    times faster. The classes are read off ``SPECIAL_RE`` itself (once, on first
    use), so the two cannot disagree. Every character outside the plane matches
    too: the caller tests those (emoji, mostly) with ``SPECIAL_RE``.

    Returns:
        A pattern whose matches, astral characters that ``SPECIAL_RE`` does not
        match aside, are exactly those of ``SPECIAL_RE``.

    Example:
        >>> [m.group() for m in special_scanner().finditer("قصفٌ\\n\\nعلى")]
        ['ٌ', '\\n\\n']
    """
    plane = "".join(map(chr, range(0x10000)))
    spaces = _char_class(regex.findall(r"\s", plane))
    singles = _char_class(regex.findall(SPECIAL_RE.pattern.replace(r"\s{2,}|", "", 1), plane))
    return re.compile(f"[{spaces}]{{2,}}|[{singles}]|[{_ASTRAL}]")


def _char_class(chars: Iterable[str]) -> str:
    # the body of a [...] class holding exactly ``chars``, as ranges
    runs: list[list[int]] = []
    for code in sorted(map(ord, chars)):
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in runs)

# Marks that may compose with the letter before them (hamza/maddah above or
# below, Latin accents...): texts holding one take the aligned path.
_COMPOSABLE_RE = regex.compile(
    "(?V1)[\\p{M}--["
    + "".join(f"\\u{ord(c):04x}" for c in sorted(_ARABIC_MARKS - _COMPOSING_MARKS))
    + "]]"
)

_special_cache: dict[str, str] = {}


def map_special(char: str) -> str:
    """The normalised form of one special character taken on its own.

    Args:
        char: one character matched by ``SPECIAL_RE`` (or any character).

    Returns:
        Its replacement: ``""`` for a removed mark or control, one or more
        characters for a ligature, ``" "`` for whitespace.

    Example:
        >>> map_special("\ufefb")  # ﻻ
        'لا'
    """
    cached = _special_cache.get(char)
    if cached is not None:
        return cached
    if char.isspace():
        result = " "
    elif char in _ARABIC_MARKS or unicodedata.category(char) == "Cf":
        result = ""
    else:
        expanded = normalize_unicode(char).lower()
        if expanded.strip(" ") and all(is_mark(piece) for piece in expanded.strip(" ")):
            expanded = ""  # a spacing form of a diacritic, e.g. ﹰ -> " ً"
        parts = []
        for piece in expanded:
            if piece.isspace():
                parts.append(" ")
            elif piece in _ARABIC_MARKS or unicodedata.category(piece) == "Cf":
                continue
            else:
                parts.append(piece.translate(_ONE_TO_ONE))
        result = "".join(parts)
    _special_cache[char] = result
    return result


def compose_mark(prev: str, mark: str) -> str | None:
    """The normalised single character ``prev + mark`` composes into, if any.

    Args:
        prev: the previous normalised character.
        mark: a combining mark.

    Returns:
        The composed and normalised character, or None when they do not compose.

    Example:
        >>> compose_mark("و", "\u0654")  # و + hamza above -> ؤ
        'ؤ'
    """
    if mark in _ARABIC_MARKS and mark not in _COMPOSING_MARKS:
        return None
    composed = unicodedata.normalize("NFC", prev + mark)
    if len(composed) != 1:
        return None
    return composed.translate(_ONE_TO_ONE)


def is_mark(char: str) -> bool:
    """Whether a character is a combining mark (Unicode category M*)."""
    return unicodedata.category(char)[0] == "M"


def translate_plain(text: str) -> str:
    """Apply the one-to-one character folds (no special character is folded).

    ``str.replace`` for the folds Arabic text is full of, and a table for the
    rest only when the text holds one: the same result as
    ``text.translate(_ONE_TO_ONE)`` in a fraction of the time.

    Args:
        text: any string; its special characters (``SPECIAL_RE``) come out as they were.

    Returns:
        The folded string, same length.

    Example:
        >>> translate_plain("مدينة إدلب ٢٠١٨")
        'مدينه ادلب 2018'
    """
    for char, folded in _FREQUENT_FOLDS:
        text = text.replace(char, folded)
    if _RARE_FOLD_RE.search(text) is not None:
        text = text.translate(_RARE_FOLDS)
    return text


def _replace_special(match: regex.Match) -> str:
    return map_special(match.group()[0]) if len(match.group()) == 1 else " "


def normalize_ar(text: str) -> str:
    """Normalise Arabic text to the matching form (not length preserving).

    Args:
        text: Arabic as written, possibly with diacritics, tatweel, ligatures,
            Eastern Arabic digits, HTML, emoji or Latin.

    Returns:
        The matching form; equal to ``align_normalize(text).normalized``.

    Example:
        >>> normalize_ar("هَيْئَةُ تحريــر الشّام في إدلب ١٥")
        'هيئه تحرير الشام في ادلب 15'
    """
    if SPECIAL_RE.search(text) is None:
        return translate_plain(text).strip(" ")
    if _COMPOSABLE_RE.search(text) is not None:
        from rasd.text.aligned import align_normalize  # the one place composition is handled

        return align_normalize(text).normalized
    folded = translate_plain(SPECIAL_RE.sub(_replace_special, text))
    return _SPACE_RUN_RE.sub(" ", folded).strip(" ")
