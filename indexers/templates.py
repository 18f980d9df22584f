"""Explicit index templates for the reports, signals and alerts indices.

Text is indexed three ways: the original (``standard`` analyzer), the core's
normalised form, and the core's light-stemmed search form (``text_search``),
which queries use after the same normalisation. The ``arabic`` analyzer is
added as a sub-field only where the cluster has it (detected at start-up):
the bare test node, built without analysis-common, does not.
"""

from __future__ import annotations

from typing import Any

KEYWORD = {"type": "keyword"}

_REPORT_PROPERTIES: dict[str, Any] = {
    "schema_version": {"type": "integer"},
    "id": KEYWORD,
    "title": {"type": "text"},
    "text": {"type": "text"},
    "text_search": {"type": "text"},
    "source": KEYWORD,
    "sources": KEYWORD,
    "url": {"type": "keyword", "index": False},
    "published_at": {"type": "date"},
    "analyzed_at": {"type": "date"},
    "story_id": KEYWORD,
    "duplicate_of": KEYWORD,
    "language": KEYWORD,
    "actor_ids": KEYWORD,
    "actor_names_en": KEYWORD,
    "actor_names_ar": KEYWORD,
    "actor_kinds": KEYWORD,
    "entities": {
        "properties": {"text": KEYWORD, "type": KEYWORD, "canonical_id": KEYWORD},
    },
    "place_ids": KEYWORD,
    "place_names_en": KEYWORD,
    "place_names_ar": KEYWORD,
    "governorates": KEYWORD,
    "pcodes": KEYWORD,
    "locations": {"type": "geo_point"},
    "event_types": KEYWORD,
    "killed": {"type": "integer"},
    "injured": {"type": "integer"},
    "escalation_score": {"type": "float"},
    "escalatory": {"type": "boolean"},
    "escalation_signals": KEYWORD,
    "analysis": {"type": "object", "enabled": False},
}

_SIGNAL_PROPERTIES: dict[str, Any] = {
    "schema_version": {"type": "integer"},
    "id": KEYWORD,
    "key": KEYWORD,
    "key_type": KEYWORD,
    "governorate": KEYWORD,
    "actor_ids": KEYWORD,
    "window_start": {"type": "date"},
    "window_end": {"type": "date"},
    "observed": {"type": "float"},
    "expected": {"type": "float"},
    "score": {"type": "float"},
    "level": KEYWORD,
    "reasons": {"type": "text"},
    "rules": KEYWORD,
    "report_ids": KEYWORD,
    "location": {"type": "geo_point"},
    "emitted_at": {"type": "date"},
}

_ALERT_PROPERTIES: dict[str, Any] = {
    "schema_version": {"type": "integer"},
    "id": KEYWORD,
    "subscription_id": KEYWORD,
    "owner": KEYWORD,
    "kind": KEYWORD,
    "report_id": KEYWORD,
    "signal_id": KEYWORD,
    "severity": KEYWORD,
    "title": {"type": "text"},
    "reasons": {"type": "text"},
    "actor_ids": KEYWORD,
    "governorates": KEYWORD,
    "event_types": KEYWORD,
    "locations": {"type": "geo_point"},
    "created_at": {"type": "date"},
    "published_at": {"type": "date"},
}

PROPERTIES = {"reports": _REPORT_PROPERTIES, "signals": _SIGNAL_PROPERTIES, "alerts": _ALERT_PROPERTIES}
TEXT_FIELDS = {"reports": ("title", "text"), "signals": (), "alerts": ("title",)}
INDEX_VERSION = 1


def index_template(kind: str, alias: str, *, arabic_analyzer: bool, shards: int = 1, replicas: int = 0) -> dict[str, Any]:
    """The body of ``PUT _index_template/<alias>`` for one kind of document.

    Args:
        kind: ``reports``, ``signals`` or ``alerts``.
        alias: the alias the versioned indices (``<alias>-v1`` …) sit behind.
        arabic_analyzer: add an ``arabic``-analysed sub-field to free-text fields.
    """
    properties = {name: dict(spec) for name, spec in PROPERTIES[kind].items()}
    if arabic_analyzer:
        for name in TEXT_FIELDS[kind]:
            properties[name]["fields"] = {"arabic": {"type": "text", "analyzer": "arabic"}}
    return {
        "index_patterns": [f"{alias}-v*"],
        "priority": 200,
        "template": {
            "settings": {"number_of_shards": shards, "number_of_replicas": replicas, "refresh_interval": "1s"},
            "mappings": {"dynamic": False, "properties": properties},
        },
        "_meta": {"managed_by": "rasd", "kind": kind},
    }


def versioned_index(alias: str, version: int = INDEX_VERSION) -> str:
    return f"{alias}-v{version}"
