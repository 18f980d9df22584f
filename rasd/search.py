"""Where text is prepared for search, at indexing and at query time alike.

Elasticsearch's ``arabic`` analyzer is not available on every cluster (the bare
test node lacks analysis-common), so rasd normalises and light-stems Arabic
itself and indexes the result with the ``standard`` analyzer. Queries go
through the very same functions, so "ادلب" finds "بإدلب" and "تحرير الشام"
finds "وهيئة تحرير الشام".
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasd.schema import EnrichedReport
from rasd.text.normalize import normalize_ar
from rasd.text.tokens import TOKEN_RE, clitic_splits

_MIN_STEM = 2


@lru_cache(maxsize=1 << 16)
def stem_word(norm_word: str) -> str:
    """Light stem of one normalised Arabic word: proclitics and the article removed.

    Args:
        norm_word: a word already in matching form, e.g. ``"وبالقرب"`` or ``"ادلب"``.

    Returns:
        The stem, e.g. ``"قرب"``, ``"ادلب"``; non-Arabic words unchanged.
    """
    splits = clitic_splits(norm_word)
    stem = splits[-1][1] if splits else norm_word
    if stem.startswith("ال") and len(stem) - 2 >= _MIN_STEM:
        stem = stem[2:]
    return stem


def search_form(text: str) -> str:
    """The space-joined light stems of a text, the form indexed and queried.

    Args:
        text: original text, e.g. ``"وهيئة تحرير الشام في إدلب"``.

    Returns:
        e.g. ``"هييه تحرير شام في ادلب"`` (normalised, proclitics and article removed).
    """
    return _stems_of_normalized(normalize_ar(text))


def report_search_form(enriched: EnrichedReport) -> str:
    """The search form of a report's title and text (what ``text_search`` holds and matching reads).

    Equal to ``search_form(title + " " + text)``; the text's normalised form, computed at analysis,
    is not computed again.
    """
    report = enriched.report
    text_form = (_stems_of_normalized(enriched.normalized_text) if enriched.normalized_text or not report.text
                 else search_form(report.text))
    return " ".join(filter(None, (search_form(report.title) if report.title else "", text_form)))


def _stems_of_normalized(normalized: str) -> str:
    # The tokens rasd.text.tokens.tokenize finds in the normalised text, without their offsets into
    # the original (not needed here): this runs on every report in matching and indexing.
    return " ".join([stem_word(word) for word in TOKEN_RE.findall(normalized)
                     if word.isalnum() or any(ch.isalnum() for ch in word)])


def report_document(enriched: EnrichedReport, *, analysis_dict: dict[str, Any] | None = None) -> dict[str, Any]:
    """The flat search document of an enriched report (Elasticsearch and SQLite alike).

    Args:
        enriched: the enriched report envelope.
        analysis_dict: ``enriched.analysis.to_dict()`` when the caller already holds it (the indexer
            has it from the message), stored as the ``analysis`` field.

    Returns:
        A JSON-ready dict with the original text and its search form, keyword fields for actors,
        places and event types, ``location`` points and the escalation score.
    """
    report, analysis = enriched.report, enriched.analysis
    places = analysis.places
    return {
        "schema_version": enriched.schema_version,
        "id": report.id,
        "title": report.title,
        "text": report.text,
        "text_search": report_search_form(enriched),
        "source": report.source,
        "sources": list(enriched.sources) or ([report.source] if report.source else []),
        "url": report.url,
        "published_at": report.published_at,
        "analyzed_at": enriched.analyzed_at,
        "story_id": enriched.story_id,
        "duplicate_of": enriched.duplicate_of,
        "language": analysis.language,
        "actor_ids": [a.id for a in analysis.actors],
        "actor_names_en": [a.name_en for a in analysis.actors],
        "actor_names_ar": [a.name_ar for a in analysis.actors],
        "actor_kinds": sorted({a.kind for a in analysis.actors}),
        "entities": [
            {"text": e.text, "type": e.type, "canonical_id": e.canonical_id} for e in analysis.entities
        ],
        "place_ids": [p.gazetteer_id for p in places],
        "place_names_en": [p.name_en for p in places if p.name_en],  # villages outside the gazetteer have none
        "place_names_ar": [p.name_ar for p in places],
        "governorates": sorted({p.governorate for p in places if p.governorate}),
        "pcodes": sorted({p.pcode for p in places if p.pcode}),
        "locations": [{"lat": p.lat, "lon": p.lon} for p in places if p.lat is not None and p.lon is not None],
        "event_types": list(analysis.event_types),
        "killed": analysis.killed,
        "injured": analysis.injured,
        "escalation_score": analysis.escalation.score,
        "escalatory": analysis.escalation.escalatory,
        "escalation_signals": [s.name for s in analysis.escalation.signals],
        "analysis": analysis.to_dict() if analysis_dict is None else analysis_dict,
    }
