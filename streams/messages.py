"""The worker's internal messages: what one stage hands the next on the internal topics.

Public topics carry :mod:`rasd.schema` objects; the internal ones carry only what
the next stage needs, so no stage parses or re-serialises more than it must:

- ``analysed`` (analysis → stories): ``{"enriched": <EnrichedReport JSON>, "keys": [[key_type, key], ...],
  "sig": <MinHash signature>}`` — the escalation keys and the story signature are computed in the analysis
  processes, in parallel, not in the one-partition stories stage (``"sig"`` absent: it computes it).
- ``escalation.keys`` (stories → escalation): ``{"events": [{"keys": [...], "event": <escalation event>}, ...]}``,
  one message per partition for a batch of reports. An escalation event is an enriched report cut down to
  what :meth:`~rasd.escalation.detector.EscalationDetector.observe_key` reads — the report's id and time,
  its story, and its analysis without entities and event evidence (≈ 1 kB instead of ≈ 37 kB for a
  seed-size report: no text, no normalised text).

Every escalation key always goes to the same partition (:func:`partition_for_key`), so the
escalation table, whose changelog follows the partition of the message being processed, keeps
each key's state in one partition.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

from rasd import fastjson
from rasd.schema import Analysis, EnrichedReport, Report

_EVENT_ANALYSIS_DROPS = ("entities", "events")


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON (Arabic as written)."""
    return fastjson.dumps(value)


def encode_analysed(enriched: dict[str, Any], keys: Iterable[tuple[str, str]], signature: str | None = None) -> bytes:
    """The ``analysed`` message: the enriched report as a dict, its escalation keys and story signature.

    Args:
        enriched: ``EnrichedReport.to_dict()``.
        keys: e.g. ``[("governorate", "Idlib"), ("actor_pair", "hts|syr-gov-forces")]``.
        signature: ``encode_signature(StoryIndex().signature(text))``, ``""`` for a text without words.
    """
    message = {"enriched": enriched, "keys": [list(key) for key in keys]}
    if signature is not None:
        message["sig"] = signature
    return dumps(message)


def escalation_event(enriched: dict[str, Any]) -> dict[str, Any]:
    """What the escalation detector reads of an enriched report (a dict of ``EnrichedReport.to_dict()`` form).

    Args:
        enriched: e.g. the enriched "قصفت قوات النظام بلدة التمانعة ..." with its story set.

    Returns:
        e.g. ``{"id": "sohr-1", "published_at": "2018-08-08T01:30:00Z", "story_id": "sohr-1",
        "analysis": {...without "entities" and "events"...}}``.
    """
    report = enriched["report"]
    analysis = {key: value for key, value in enriched["analysis"].items() if key not in _EVENT_ANALYSIS_DROPS}
    return {"id": report["id"], "published_at": report.get("published_at"), "story_id": enriched.get("story_id"),
            "analysis": analysis}


def enriched_from_event(event: dict[str, Any]) -> EnrichedReport:
    """The enriched report the detector is given for an escalation event (empty text, no entities)."""
    return EnrichedReport(report=Report(id=event["id"], text="", published_at=event.get("published_at")),
                          analysis=Analysis.from_dict(event["analysis"]), normalized_text="",
                          story_id=event.get("story_id"))


def partition_for_key(key_type: str, key: str, partitions: int) -> int:
    """The partition of ``escalation.keys`` that holds one key, e.g. ``("governorate", "Idlib")`` → 2."""
    return zlib.crc32(f"{key_type}:{key}".encode("utf-8")) % partitions


def group_events(items: Iterable[tuple[dict[str, Any], list[tuple[str, str]]]],
                 partitions: int) -> dict[int, list[dict[str, Any]]]:
    """Split a batch of ``(escalation event, keys)`` by partition, keeping the order of the batch.

    Returns:
        ``{partition: [{"keys": [[key_type, key], ...], "event": event}, ...]}``; a report whose keys
        fall into two partitions appears in both, each time with its keys of that partition.
    """
    grouped: dict[int, list[dict[str, Any]]] = {}
    for event, keys in items:
        by_partition: dict[int, list[list[str]]] = {}
        for key_type, key in keys:
            by_partition.setdefault(partition_for_key(key_type, key, partitions), []).append([key_type, key])
        for partition, its_keys in by_partition.items():
            grouped.setdefault(partition, []).append({"keys": its_keys, "event": event})
    return grouped
