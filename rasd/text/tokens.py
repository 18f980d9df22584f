"""Tokens with offsets into the original text, and Arabic proclitic splits.

Tokenisation runs on the normalised form (so diacritics, tatweel and bidi
controls never split a word) and maps every token back to the original text.
Words, numbers, punctuation, emoji, HTML tags and Latin words each come out as
tokens; nothing between them is lost or shifted.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate, compress, repeat
from operator import add, attrgetter, ne, sub
from typing import NamedTuple

import regex

from rasd.text.aligned import AlignedText, align_normalize

TOKEN_RE = regex.compile(
    r"""
      </?[a-z!][^<>]{0,300}>             # an HTML tag
    | &\#?[a-z0-9]{1,10};                # an HTML entity
    | \d+(?:[.,\u066b\u066c]\d+)+        # a number with decimal or thousands separators
    | [\p{L}\p{M}\p{N}]+                 # a word or a number
    | (?!\ )\X                           # punctuation, a symbol, an emoji (one grapheme)
    """,
    regex.VERBOSE,
)

# A token and the spaces before it: these pieces tile a normalised text.
_PIECE_RE = regex.compile(r"\ *(?:" + TOKEN_RE.pattern + ")", regex.VERBOSE)

# Most normalised reports hold only Arabic letters, ASCII and common punctuation:
# no marks and nothing that joins a grapheme, so every word character is a
# letter or a digit of these ranges and a grapheme is one character. For them,
# _PIECE_RE spelt out for the standard re (twice as fast).
_PLAIN_CHARS = "\u0020-\u007e\u00ab\u00bb\u060c\u061b\u061f\u0621-\u063a\u0641-\u064a\u066a-\u066c\u2013\u2014\u2018-\u2019\u201c-\u201d"
_NOT_PLAIN_RE = re.compile(f"[^{_PLAIN_CHARS}]")
_PLAIN_PIECE_RE = re.compile(
    r"\ *(?:</?[a-z!][^<>]{0,300}>"  # as TOKEN_RE, alternative by alternative
    r"|&\#?[a-z0-9]{1,10};"
    r"|[0-9]+(?:[.,\u066b\u066c][0-9]+)+"
    r"|[0-9A-Za-z\u0621-\u063a\u0641-\u064a]+"
    r"|[^ ])"
)

_TRAILING_MARKS_RE = regex.compile(r"[\p{M}\u0640]*")

_START = attrgetter("start")

# Proclitics of a normalised word: an optional conjunction, then an optional
# preposition. Plain data about the script, not a lexicon.
_CONJUNCTIONS = frozenset("وف")
_PREPOSITIONS = frozenset("بلك")
_MIN_STEM = 2


class Token(NamedTuple):
    """One token.

    Attributes:
        text: the token as written (``original[start:end]``).
        norm: its normalised form.
        start: start offset in the original text.
        end: end offset (exclusive) in the original text.
    """

    text: str
    norm: str
    start: int
    end: int



def tokenize(text: str) -> list[Token]:
    """Split text into tokens with offsets into the original text.

    Args:
        text: Arabic as written.

    Returns:
        The tokens in order.

    Example:
        >>> [t.norm for t in tokenize("قُتل ٣ مدنيين في إدلب.")]
        ['قتل', '3', 'مدنيين', 'في', 'ادلب', '.']
    """
    return tokenize_aligned(align_normalize(text))


def tokenize_aligned(aligned: AlignedText) -> list[Token]:
    """Tokenise an already aligned text (saves normalising twice).

    Args:
        aligned: the output of ``align_normalize``.

    Returns:
        The tokens in order, offsets into ``aligned.original``.

    Example:
        >>> [t.text for t in tokenize_aligned(align_normalize("وفي الشــام"))]
        ['وفي', 'الشــام']
    """
    if aligned.tokens_cache is not None:
        return list(aligned.tokens_cache)
    tokens = _tokens_by_pieces(aligned)
    if tokens is None:
        tokens = _tokens_by_matches(aligned)
    object.__setattr__(aligned, "tokens_cache", tuple(tokens))
    return tokens


def _tokens_by_pieces(aligned: AlignedText) -> list[Token] | None:
    # The normalised text is tokens and single spaces only, so its pieces (a
    # token with the spaces before it) tile it: their lengths give every
    # offset without a match object per token. None if they do not tile it.
    normalized = aligned.normalized
    pieces = (_PIECE_RE if _NOT_PLAIN_RE.search(normalized) else _PLAIN_PIECE_RE).findall(normalized)
    ends = list(accumulate(map(len, pieces)))
    if (ends[-1] if ends else 0) != len(normalized):
        return None
    norms = list(map(str.lstrip, pieces, repeat(" ")))
    starts = list(map(sub, ends, map(len, norms)))
    offset_of = aligned.offsets.__getitem__
    ostarts = list(map(offset_of, starts))
    oends = list(map(add, map(offset_of, map(sub, ends, repeat(1))), repeat(1)))  # after each token's last character
    # where something was dropped after a token, the token takes the marks dropped
    for i in list(compress(range(len(oends)), map(ne, map(offset_of, ends), oends))):
        oends[i] = _TRAILING_MARKS_RE.match(aligned.original, oends[i]).end()
    texts = map(aligned.original.__getitem__, map(slice, ostarts, oends))
    return list(map(tuple.__new__, repeat(Token), zip(texts, norms, ostarts, oends)))


def _tokens_by_matches(aligned: AlignedText) -> list[Token]:
    original = aligned.original
    offsets = aligned.offsets
    normalized = aligned.normalized
    trailing = _TRAILING_MARKS_RE.match
    tokens: list[Token] = []
    append = tokens.append
    for match in TOKEN_RE.finditer(normalized):
        start, end = match.span()
        ostart = offsets[start]
        oend = offsets[end - 1] + 1
        if offsets[end] != oend:  # something was dropped after the token: take its marks
            oend = trailing(original, oend).end()
        append(tuple.__new__(Token, (original[ostart:oend], normalized[start:end], ostart, oend)))
    return tokens


def tokens_after_line_breaks(text: str, tokens: Sequence[Token]) -> list[int]:
    """The tokens with a line break between them and the token before (never the first).

    Args:
        text: the original text the tokens index.
        tokens: its tokens.

    Returns:
        Their indices, in order.

    Example:
        >>> t = "قصف حلب.\\n\\nوقتل ثلاثة"
        >>> tokens_after_line_breaks(t, tokenize(t))
        [3]
    """
    if "\n" not in text:
        return []
    starts = list(map(_START, tokens))
    found: list[int] = []
    position = text.find("\n")
    while position >= 0:
        i = bisect_right(starts, position)  # the first token after the line break
        if 0 < i < len(tokens) and tokens[i - 1].end <= position and (not found or found[-1] != i):
            found.append(i)
        position = text.find("\n", position + 1)
    return found


def clitic_splits(norm_word: str) -> list[tuple[int, str]]:
    """Plausible proclitic splits of a normalised word, unsplit first.

    Proclitics are an optional conjunction (و ف) then an optional preposition
    (ب ل ك); ل before the article writes لل, restored here as ال.

    Args:
        norm_word: one word in the matching form (``normalize_ar``).

    Returns:
        ``(prefix_len, remainder)`` pairs, ``prefix_len`` counting characters
        of ``norm_word``; the first is always ``(0, norm_word)``. A remainder
        is kept only when at least two letters long.

    Example:
        >>> clitic_splits("وبسهل")
        [(0, 'وبسهل'), (1, 'بسهل'), (2, 'سهل')]
        >>> clitic_splits("للنظام")
        [(0, 'للنظام'), (1, 'النظام')]
    """
    return list(_clitic_splits(norm_word))


@lru_cache(maxsize=65_536)
def _clitic_splits(norm_word: str) -> tuple[tuple[int, str], ...]:
    splits = [(0, norm_word)]
    first = 0
    if norm_word[:1] in _CONJUNCTIONS and len(norm_word) - 1 >= _MIN_STEM:
        splits.append((1, norm_word[1:]))
        first = 1
    for conj_len in range(first + 1):
        rest = norm_word[conj_len:]
        if rest[:1] not in _PREPOSITIONS:
            continue
        if rest[:2] == "لل" and len(rest) - 1 >= _MIN_STEM + 1:
            splits.append((conj_len + 1, "ا" + rest[1:]))
        elif len(rest) - 1 >= _MIN_STEM:
            splits.append((conj_len + 1, rest[1:]))
    return tuple(splits)

