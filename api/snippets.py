"""Highlighted snippets of a report, computed from the original text.

Elasticsearch highlights the field it matched, and Arabic is matched on
``text_search`` (stemmed, normalised), whose highlights are unreadable. So the
matches are located again here, in the original text: every token whose light
stem (:func:`rasd.search.stem_word`, as at indexing time) is a query term.
``ادلب`` thus highlights ``بإدلب`` as written.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from rasd.search import stem_word
from rasd.text.tokens import tokenize

MAX_SCAN_CHARS = 20_000  # matches are looked for in the first characters of very long reports only
CONTEXT_CHARS = 80
MAX_SNIPPETS = 3
ELLIPSIS = "…"


@dataclass(frozen=True)
class Snippet:
    """A passage of a report.

    Attributes:
        text: the passage as written (with ``…`` where it was cut).
        highlights: ``(start, end)`` of each match, as offsets into ``text``.
    """

    text: str
    highlights: tuple[tuple[int, int], ...]

    def to_html(self, tag: str = "mark") -> str:
        """The passage HTML-escaped, with each match wrapped in ``<mark>``."""
        parts: list[str] = []
        cursor = 0
        for start, end in self.highlights:
            parts.append(html.escape(self.text[cursor:start]))
            parts.append(f"<{tag}>{html.escape(self.text[start:end])}</{tag}>")
            cursor = end
        parts.append(html.escape(self.text[cursor:]))
        return "".join(parts)


def find_term_spans(text: str, terms: frozenset[str] | set[str], *, limit: int = MAX_SCAN_CHARS) -> list[tuple[int, int]]:
    """Where the words of a text whose stem is a query term are.

    Args:
        text: original text, e.g. ``"قصف بإدلب"``.
        terms: query stems, e.g. ``{"ادلب"}`` (from :func:`rasd.search.search_form`).
        limit: only the first ``limit`` characters are scanned.

    Returns:
        ``(start, end)`` offsets into ``text``, e.g. ``[(4, 9)]`` for ``بإدلب``.
    """
    if not terms or not text:
        return []
    return [(tok.start, tok.end) for tok in tokenize(text[:limit])
            if any(ch.isalnum() for ch in tok.norm) and stem_word(tok.norm) in terms]


def widen_to_word(text: str, start: int, end: int) -> tuple[int, int]:
    """Move a window's edges outwards to the nearest white space, so no word is cut."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def make_snippets(text: str, spans: list[tuple[int, int]], *, context: int = CONTEXT_CHARS,
                  most: int = MAX_SNIPPETS) -> list[Snippet]:
    """Passages around the first matches, each holding every match that falls inside it.

    Args:
        text: original text, e.g. a SOHR report.
        spans: match offsets from :func:`find_term_spans`.
        context: characters kept on each side of a match.
        most: the largest number of passages.

    Returns:
        The passages in text order; without matches, the opening of the text.
    """
    if not text:
        return []
    if not spans:
        start, end = widen_to_word(text, 0, min(len(text), 2 * context))
        return [_cut(text, start, end, [])]
    snippets: list[Snippet] = []
    index = 0
    while index < len(spans) and len(snippets) < most:
        first_start, first_end = spans[index]
        start, end = widen_to_word(text, max(0, first_start - context), min(len(text), first_end + context))
        inside = [s for s in spans[index:] if s[0] >= start and s[1] <= end]
        index += len(inside)
        snippets.append(_cut(text, start, end, inside))
    return snippets


def _cut(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> Snippet:
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    body = text[start:end].strip()
    shift = len(prefix) - start - (len(text[start:end]) - len(text[start:end].lstrip()))
    return Snippet(prefix + body + suffix, tuple((s + shift, e + shift) for s, e in spans))
