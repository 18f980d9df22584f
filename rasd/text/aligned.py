"""Normalisation that remembers where every character came from.

``align_normalize`` produces the same string as
:func:`rasd.text.normalize.normalize_ar` plus an offset table, so a match
found in the normalised form (a place name, an actor alias, an entity) maps
back to the exact span of the original report, whatever vanished (diacritics,
tatweel, bidi controls) or expanded (the ligature ﻻ -> لا) on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from rasd.text.normalize import SPECIAL_RE, compose_mark, is_mark, map_special, special_scanner, translate_plain

# What an original span swallows after its last kept character: the marks and
# tatweel that were dropped from that same letter.
_TRAILING_MARKS_RE = regex.compile(r"[\p{M}\u0640]*")


@dataclass(frozen=True, slots=True)
class AlignedText:
    """A text, its normalised form, and the map between them.

    Attributes:
        original: the text as written.
        normalized: the matching form (``normalize_ar(original)``).
        offsets: ``offsets[i]`` is the index in ``original`` of
            ``normalized[i]``; one extra last entry equals ``len(original)``.
    """

    original: str
    normalized: str
    offsets: tuple[int, ...]
    # tokenize_aligned memoises its result here (same text, same tokens).
    tokens_cache: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text back to the original text.

        Args:
            start: start index in ``normalized``.
            end: end index (exclusive) in ``normalized``.

        Returns:
            ``(ostart, oend)`` in ``original``; the span includes the marks and
            tatweel that belonged to its last letter.

        Example:
            >>> a = align_normalize("في إدْلِبَ")
            >>> a.normalized
            'في ادلب'
            >>> a.original[slice(*a.to_original(3, 7))]
            'إدْلِبَ'
        """
        if not 0 <= start <= end <= len(self.normalized):
            raise ValueError(f"span ({start}, {end}) outside normalised text of length {len(self.normalized)}")
        offsets = self.offsets
        ostart = offsets[start]
        if start == end:
            return ostart, ostart
        oend = offsets[end - 1] + 1
        return ostart, _TRAILING_MARKS_RE.match(self.original, oend).end()


# Several components align the same report in turn, so the last few texts are
# remembered (an AlignedText is immutable, so sharing it is safe). Short texts
# (names, aliases, words aligned again and again across reports) are
# remembered in a larger table; both are cleared when full.
_RECENT: dict[str, AlignedText] = {}
_RECENT_SIZE = 8
_SHORT: dict[str, AlignedText] = {}
_SHORT_SIZE = 8192
_SHORT_MAX_LENGTH = 64


def align_normalize(text: str) -> AlignedText:
    """Normalise ``text`` and keep the offset of every normalised character.

    Args:
        text: Arabic as written (HTML, emoji, Latin and controls allowed).

    Returns:
        An :class:`AlignedText` whose ``normalized`` equals ``normalize_ar(text)``.

    Example:
        >>> a = align_normalize("الشــام ﻻ")
        >>> a.normalized, a.offsets
        ('الشام لا', (0, 1, 2, 5, 6, 7, 8, 8, 9))
    """
    table, size = (_SHORT, _SHORT_SIZE) if len(text) <= _SHORT_MAX_LENGTH else (_RECENT, _RECENT_SIZE)
    aligned = table.get(text)
    if aligned is None:
        aligned = _align(text)
        if len(table) >= size:
            table.clear()
        table[text] = aligned
    return aligned


def _align(text: str) -> AlignedText:
    folded = translate_plain(text)  # one-to-one, and special characters stay as they are
    out: list[str] = []
    offsets: list[int] = []
    pos = 0
    for match in special_scanner().finditer(text):
        start = match.start()
        if text[start] > "\uffff" and SPECIAL_RE.match(text, start) is None:
            continue  # outside the plane and plain (an emoji): it goes out with the text around it
        if start > pos:
            out.append(folded[pos:start])
            offsets.extend(range(pos, start))
        pos = match.end()
        char = match.group()[0]
        if pos - start > 1:  # a whitespace run
            out.append(" ")
            offsets.append(start)
            continue
        if out and out[-1] and is_mark(char):
            composed = compose_mark(out[-1][-1], char)
            if composed is not None:
                out[-1] = out[-1][:-1] + composed
                continue
        replacement = map_special(char)
        if replacement:
            out.append(replacement)
            offsets.extend([start] * len(replacement))
    if pos < len(text):
        out.append(folded[pos:])
        offsets.extend(range(pos, len(text)))
    normalized = "".join(out)
    if "  " in normalized or normalized[:1] == " " or normalized[-1:] == " ":
        normalized, offsets = _collapse_spaces(normalized, offsets)
    offsets.append(len(text))
    return AlignedText(text, normalized, tuple(offsets))


def _collapse_spaces(normalized: str, offsets: list[int]) -> tuple[str, list[int]]:
    # Keep the first space of each run, drop leading and trailing spaces.
    keep_chars: list[str] = []
    keep_offsets: list[int] = []
    pos = 0
    for match in regex.finditer(r" {2,}|^ +| +$", normalized):
        start, end = match.span()
        keep_chars.append(normalized[pos:start])
        keep_offsets.extend(offsets[pos:start])
        if start != 0 and end != len(normalized):
            keep_chars.append(" ")
            keep_offsets.append(offsets[start])
        pos = end
    keep_chars.append(normalized[pos:])
    keep_offsets.extend(offsets[pos:])
    return "".join(keep_chars), keep_offsets
