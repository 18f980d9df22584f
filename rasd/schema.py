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

from dataclasses import dataclass, field, fields
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


def plain(obj: Any) -> Any:
    """A dataclass as JSON-ready dicts and lists (tuples become lists; scalars as they are).

    Like :func:`dataclasses.asdict` for these frozen records of scalars, without its deep copies:
    it runs on every report at every stage.
    """
    names = _FIELD_NAMES.get(type(obj))
    if names is None and hasattr(obj, "__dataclass_fields__"):
        names = _FIELD_NAMES[type(obj)] = tuple(f.name for f in fields(obj))
    if names is not None:
        return {name: plain(getattr(obj, name)) for name in names}
    if isinstance(obj, (tuple, list)):
        return [plain(item) for item in obj]
    if isinstance(obj, dict):
        return {key: plain(value) for key, value in obj.items()}
    return obj


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


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
        return plain(self)

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
        out = plain(self)
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
    """The envelope on ``rasd.reports.enriched`` and in the reports index.

    ``normalized_text`` is ``rasd.text.normalize.normalize_ar(report.text)`` (computed once, at
    analysis; the search form is derived from it), or empty when not carried.
    """

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


# --- streaming stages: escalation signals, subscriptions, alerts -------------------------------

SIGNAL_LEVELS = ("low", "medium", "high")
SIGNAL_KEY_TYPES = ("governorate", "actor_pair")
CHANNEL_TYPES = ("webhook", "sse", "email")
ALERT_KINDS = ("report", "signal")


@dataclass(frozen=True, slots=True)
class EscalationSignal:
    """An escalation detected for one key (a governorate or an actor pair) in one time window.

    Attributes:
        id: deterministic from ``key_type``, ``key`` and ``window_start`` (a replay overwrites, never duplicates).
        key: the governorate label (``"Idlib"``) or the two sorted actor ids joined by ``|`` (``"hts|syr-gov-forces"``).
        key_type: ``"governorate"`` or ``"actor_pair"``.
        window_start: ISO-8601 start of the tumbling window (UTC).
        window_end: ISO-8601 end of the window (exclusive).
        observed: severity-weighted event count in the window.
        expected: the key's baseline for a window (EWMA of its past windows).
        score: 0..1, combined from the rules that fired.
        level: ``"low"``, ``"medium"`` or ``"high"``.
        reasons: human-readable explanations (rule, numbers, reports).
        rules: names of the rules that fired.
        report_ids: the reports counted in the window.
        emitted_at: ISO-8601 processing time the signal was emitted.
        governorate: the governorate of a governorate key, else None.
        actor_ids: the pair's actors, or the actors named in a governorate's window.
        governorates: the governorates seen in the window's reports.
        event_types: the event types seen in the window's reports.
        location: ``{"lat", "lon"}`` centroid of the window's places, or None.
    """

    id: str
    key: str
    key_type: str
    window_start: str
    window_end: str
    observed: float
    expected: float
    score: float
    level: str
    reasons: tuple[str, ...]
    rules: tuple[str, ...]
    report_ids: tuple[str, ...]
    emitted_at: str
    governorate: str | None = None
    actor_ids: tuple[str, ...] = ()
    governorates: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    location: dict[str, float] | None = None
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        out = plain(self)
        for key in ("reasons", "rules", "report_ids", "actor_ids", "governorates", "event_types"):
            out[key] = list(out[key])
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EscalationSignal":
        """Inverse of :meth:`to_dict`."""
        return cls(
            id=data["id"], key=data["key"], key_type=data["key_type"],
            window_start=data["window_start"], window_end=data["window_end"],
            observed=float(data.get("observed", 0.0)), expected=float(data.get("expected", 0.0)),
            score=float(data.get("score", 0.0)), level=data.get("level", "low"),
            reasons=tuple(data.get("reasons") or ()), rules=tuple(data.get("rules") or ()),
            report_ids=tuple(data.get("report_ids") or ()), emitted_at=data.get("emitted_at") or "",
            governorate=data.get("governorate"), actor_ids=tuple(data.get("actor_ids") or ()),
            governorates=tuple(data.get("governorates") or ()), event_types=tuple(data.get("event_types") or ()),
            location=data.get("location"),
            schema_version=int(data.get("schema_version", SCHEMA_VERSION)),
        )


@dataclass(frozen=True, slots=True)
class Channel:
    """Where a subscription's alerts are delivered: ``type`` webhook, sse or email; ``target`` URL, stream or address."""

    type: str
    target: str


@dataclass(frozen=True, slots=True)
class Subscription:
    """A standing alert query: facets are ANDed, the values inside one facet ORed.

    Attributes:
        id: stable identifier (the key on the compacted subscriptions topic).
        owner: who receives the alerts.
        name: a label, e.g. ``"HTS in Idlib"``.
        query: free text, all terms required, ``"quoted phrases"`` kept together; "" for none.
        actors: canonical actor ids, e.g. ``("hts", "tip")``.
        governorates: governorate labels, e.g. ``("Idlib",)``.
        places: gazetteer ids or P-codes.
        event_types: event types from :data:`EVENT_TYPES`.
        min_severity: ``"low"``, ``"medium"`` or ``"high"``.
        min_escalation: minimum escalation score (report's analysis, or signal's score).
        include_signals: also alert on escalation signals.
        channels: delivery channels.
        throttle_seconds: at most one alert per subscription and key in this many seconds (0: no throttling).
        active: inactive subscriptions never match.
        created_at: ISO-8601 creation time.
    """

    id: str
    owner: str
    name: str = ""
    query: str = ""
    actors: tuple[str, ...] = ()
    governorates: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    min_severity: str = "low"
    min_escalation: float = 0.0
    include_signals: bool = False
    channels: tuple[Channel, ...] = ()
    throttle_seconds: int = 0
    active: bool = True
    created_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = plain(self)
        for key in ("actors", "governorates", "places", "event_types", "channels"):
            out[key] = list(out[key])
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Subscription":
        """Inverse of :meth:`to_dict` (lists become tuples; absent fields take their defaults)."""
        return cls(
            id=str(data["id"]), owner=str(data.get("owner") or ""), name=str(data.get("name") or ""),
            query=str(data.get("query") or ""),
            actors=tuple(data.get("actors") or ()), governorates=tuple(data.get("governorates") or ()),
            places=tuple(data.get("places") or ()), event_types=tuple(data.get("event_types") or ()),
            min_severity=data.get("min_severity") or "low",
            min_escalation=float(data.get("min_escalation") or 0.0),
            include_signals=bool(data.get("include_signals", False)),
            channels=tuple(Channel(c["type"], c["target"]) for c in data.get("channels") or ()),
            throttle_seconds=int(data.get("throttle_seconds") or 0),
            active=bool(data.get("active", True)),
            created_at=data.get("created_at"),
        )


@dataclass(frozen=True, slots=True)
class Alert:
    """A subscription matched a report or a signal.

    Attributes:
        id: deterministic from the subscription id and the report or signal id (a replay does not duplicate).
        kind: ``"report"`` or ``"signal"``; exactly one of ``report_id`` / ``signal_id`` is set.
        severity: ``"low"``, ``"medium"`` or ``"high"``.
        reasons: why it matched, one line per facet.
        locations: ``{"lat", "lon"}`` points of the report's places or the signal's centroid.
        created_at: ISO-8601 processing time of the match.
        published_at: the report's publication time, or the signal's ``emitted_at``.
    """

    id: str
    subscription_id: str
    owner: str
    kind: str
    report_id: str | None
    signal_id: str | None
    severity: str
    title: str
    reasons: tuple[str, ...]
    actor_ids: tuple[str, ...]
    governorates: tuple[str, ...]
    event_types: tuple[str, ...]
    locations: tuple[dict[str, float], ...]
    created_at: str
    published_at: str | None
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        out = plain(self)
        for key in ("reasons", "actor_ids", "governorates", "event_types", "locations"):
            out[key] = list(out[key])
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Alert":
        """Inverse of :meth:`to_dict`."""
        return cls(
            id=data["id"], subscription_id=data["subscription_id"], owner=data.get("owner") or "",
            kind=data["kind"], report_id=data.get("report_id"), signal_id=data.get("signal_id"),
            severity=data.get("severity") or "low", title=data.get("title") or "",
            reasons=tuple(data.get("reasons") or ()), actor_ids=tuple(data.get("actor_ids") or ()),
            governorates=tuple(data.get("governorates") or ()), event_types=tuple(data.get("event_types") or ()),
            locations=tuple(data.get("locations") or ()), created_at=data.get("created_at") or "",
            published_at=data.get("published_at"),
            schema_version=int(data.get("schema_version", SCHEMA_VERSION)),
        )
