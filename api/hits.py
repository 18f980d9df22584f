"""Where a found report becomes a search hit: snippets of its text and the matches in its title.

The same for every backend: matches are located in the original text with
:mod:`api.snippets`, whatever the backend matched on.
"""

from __future__ import annotations

from typing import Any

from api.models import SearchHit, SnippetOut
from api.queries import TextQuery
from api.snippets import find_term_spans, make_snippets


def shape_hit(source: dict[str, Any], report_id: str, score: float | None, query: TextQuery | None) -> SearchHit:
    """One search hit with snippets of its text and the matches in its title.

    Args:
        source: the report's search document (:func:`rasd.search.report_document`).
        report_id: its id.
        score: its relevance, or None.
        query: the prepared free text, e.g. for ``"ادلب"`` (``بإدلب`` is highlighted as written).

    Returns:
        The hit.
    """
    terms = frozenset(query.terms) if query else frozenset()
    text = source.get("text") or ""
    title = source.get("title") or ""
    snippets = [SnippetOut(text=s.text, highlights=list(s.highlights), html=s.to_html())
                for s in make_snippets(text, find_term_spans(text, terms))]
    return SearchHit.model_validate({**source, "id": report_id, "score": score,
                                     "title_highlights": find_term_spans(title, terms), "snippets": snippets})
