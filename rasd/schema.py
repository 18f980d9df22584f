"""The one schema of rasd, declared once.

Every edge (producers, stream processors, indexers, API) imports these types.
They are plain dataclasses so the core stays framework-free; ``to_dict`` gives
the JSON form used on Kafka topics, in Elasticsearch and by ``rasd analyze``.

The analysis output follows the ``rasd analyze`` contract exactly::

    {"id", "language", "entities", "actors", "places", "event_types", "events",
     "killed", "injured", "escalation", "error"}

Extra fields (``schema_version``, ``report``) are carried only by the
enriched-report envelope used on topics and in indices, never by the
contract line itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1

ENTITY_TYPES = ("PER", "ORG", "LOC")

EVENT_TYPES = (
    "armed_clash",
    "shelling",
    "airstrike",
    "explosion",
    "raid_arrest",
    "killing",
    "military_buildup",
    "territorial_change",
    "negotiation",
    "defection",
    "protest",
    "displacement",
)

GOVERNORATES = (
    "Damascus",
    "Rif Dimashq",
    "Aleppo",
    "Idlib",
    "Hama",
    "Homs",
    "Latakia",
    "Tartus",
    "Deir ez-Zor",
    "Raqqa",
    "Al-Hasakah",
    "Daraa",
    "As-Suwayda",
    "Quneitra",
)

PLACE_PRECISIONS = ("governorate", "district", "subdistrict", "town", "feature", "region", "country")

ACTOR_KINDS = (
    "state_force",
    "armed_group",
    "jihadist_group",
    "militia",
    "political",
    "monitor_ngo",
    "media",
    "international_org",
    "person",
    "civilian",
    "other",
)

MAX_REPORT_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class Report:
    """An incoming report, as validated at the edge.

    Attributes:
        id: stable identifier (supplied, else derived from source + guid/url).
        text: the report body, Arabic as written.
        published_at: ISO-8601 timestamp, or None when the source gave none.
        source: outlet or feed name.
        url: link to the original.
        title: headline.
    """

    id: str
    text: str
    published_at: str | None = None
    source: str | None = None
    url: str | None = None
    title: str | None = None
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Report":
        known = {k: data.get(k) for k in ("id", "text", "published_at", "source", "url", "title")}
        return cls(**known)


@dataclass(frozen=True, slots=True)
class Entity:
    """A named entity; offsets index the original report text, clitics excluded."""

    text: str
    type: str
    start: int
    end: int
    canonical_id: str | None = None
    canonical_name_en: str | None = None


@dataclass(frozen=True, slots=True)
class ActorRef:
    """A canonical actor named in a report."""

    id: str
    name_ar: str
    name_en: str
    kind: str


@dataclass(frozen=True, slots=True)
class Place:
    """A place mention resolved to the gazetteer."""

    text: str
    start: int
    end: int
    gazetteer_id: str
    name_ar: str
    name_en: str
    governorate: str | None
    pcode: str | None
    lat: float | None
    lon: float | None
    precision: str


@dataclass(frozen=True, slots=True)
class Event:
    """One event type the report says happened, with its trigger evidence."""

    type: str
    trigger_text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Signal:
    """One named report-level escalation or de-escalation indicator."""

    name: str
    evidence_text: str


@dataclass(frozen=True, slots=True)
class Escalation:
    score: float
    escalatory: bool
    signals: tuple[Signal, ...] = ()


@dataclass(frozen=True, slots=True)
class AnalysisError:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Analysis:
    """The result of analysing one report: one line of ``rasd analyze``."""

    id: str | None
    language: str | None = None
    entities: tuple[Entity, ...] = ()
    actors: tuple[ActorRef, ...] = ()
    places: tuple[Place, ...] = ()
    event_types: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()
    killed: int | None = None
    injured: int | None = None
    escalation: Escalation = field(default_factory=lambda: Escalation(0.0, False, ()))
    error: AnalysisError | None = None

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object (lists, not tuples; no extra keys)."""
        out = asdict(self)
        out["escalation"]["signals"] = list(out["escalation"]["signals"])
        for key in ("entities", "actors", "places", "event_types", "events"):
            out[key] = list(out[key])
        return out

    @classmethod
    def failed(cls, report_id: str | None, code: str, message: str) -> "Analysis":
        return cls(id=report_id, error=AnalysisError(code, message))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Analysis":
        """Inverse of :meth:`to_dict`."""
        esc = data.get("escalation") or {}
        err = data.get("error")
        return cls(
            id=data.get("id"),
            language=data.get("language"),
            entities=tuple(Entity(**e) for e in data.get("entities") or ()),
            actors=tuple(ActorRef(**a) for a in data.get("actors") or ()),
            places=tuple(Place(**p) for p in data.get("places") or ()),
            event_types=tuple(data.get("event_types") or ()),
            events=tuple(Event(**e) for e in data.get("events") or ()),
            killed=data.get("killed"),
            injured=data.get("injured"),
            escalation=Escalation(
                float(esc.get("score", 0.0)),
                bool(esc.get("escalatory", False)),
                tuple(Signal(**s) for s in esc.get("signals") or ()),
            ),
            error=AnalysisError(**err) if err else None,
        )


@dataclass(frozen=True, slots=True)
class EnrichedReport:
    """The envelope on ``rasd.reports.enriched`` and in the reports index."""

    report: Report
    analysis: Analysis
    normalized_text: str
    story_id: str | None = None
    duplicate_of: str | None = None
    sources: tuple[str, ...] = ()
    analyzed_at: str | None = None
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "report": self.report.to_dict(),
            "analysis": self.analysis.to_dict(),
            "normalized_text": self.normalized_text,
            "story_id": self.story_id,
            "duplicate_of": self.duplicate_of,
            "sources": list(self.sources),
            "analyzed_at": self.analyzed_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EnrichedReport":
        """Inverse of :meth:`to_dict`."""
        return cls(
            report=Report.from_dict(data["report"]),
            analysis=Analysis.from_dict(data["analysis"]),
            normalized_text=data.get("normalized_text") or "",
            story_id=data.get("story_id"),
            duplicate_of=data.get("duplicate_of"),
            sources=tuple(data.get("sources") or ()),
            analyzed_at=data.get("analyzed_at"),
            schema_version=int(data.get("schema_version", SCHEMA_VERSION)),
        )
