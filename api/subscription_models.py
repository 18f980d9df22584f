"""Pydantic models of the key, subscription and alert endpoints (they make the OpenAPI document).

Input models refuse unknown fields and bound every list and string, so one request cannot
put an unbounded record on the compacted subscriptions topic.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from rasd.schema import EVENT_TYPES, GOVERNORATES

Severity = Literal["low", "medium", "high"]
ChannelType = Literal["webhook", "sse", "email"]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

MAX_QUERY_CHARS = 1000
MAX_CHANNELS = 10
MAX_FACET_VALUES = 50
MAX_THROTTLE_SECONDS = 7 * 24 * 3600


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner: str = Field(min_length=1, max_length=128, description="Who the key acts for, e.g. analyst@example.org.")


class KeyCreated(BaseModel):
    key: str = Field(description="The API key. Shown once: only its hash is kept.")
    prefix: str = Field(description="The start of the key, to name it (e.g. when revoking).")
    owner: str
    created_at: str


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: ChannelType
    target: str = Field("", max_length=2048, description=(
        "webhook: an http(s) URL on a public address; email: an address; sse: not needed (the owner's stream)."))


class SubscriptionFields(BaseModel):
    """What a subscriber chooses. Facets are ANDed; values inside one facet are ORed."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "HTS or TIP in Idlib", "query": "", "actors": ["hts", "tip"], "governorates": ["Idlib"],
        "event_types": ["armed_clash", "military_buildup"], "min_severity": "medium",
        "channels": [{"type": "webhook", "target": "https://hooks.example.org/rasd"}, {"type": "sse"}],
        "throttle_seconds": 300,
    }]})

    name: str = Field("", max_length=200)
    query: str = Field("", max_length=MAX_QUERY_CHARS, description=(
        'Free text, every term required, "quoted phrases" kept together; ادلب finds بإدلب.'))
    actors: list[ShortText] = Field([], max_length=MAX_FACET_VALUES, description="Canonical actor ids, e.g. hts.")
    governorates: list[ShortText] = Field([], max_length=len(GOVERNORATES), description=(
        "Governorate labels: " + ", ".join(GOVERNORATES) + "."))
    places: list[ShortText] = Field([], max_length=MAX_FACET_VALUES, description="Gazetteer ids or P-code prefixes.")
    event_types: list[ShortText] = Field([], max_length=len(EVENT_TYPES), description=(
        "Any of: " + ", ".join(EVENT_TYPES) + "."))
    min_severity: Severity = "low"
    min_escalation: float = Field(0.0, ge=0.0, le=1.0)
    include_signals: bool = Field(False, description="Also alert on escalation signals.")
    channels: list[ChannelIn] = Field([], max_length=MAX_CHANNELS, description=(
        "Where alerts go besides GET /alerts and the owner's stream."))
    throttle_seconds: int = Field(0, ge=0, le=MAX_THROTTLE_SECONDS, description=(
        "At most one alert per story or signal key in this many seconds (0: none)."))
    active: bool = True


class ChannelOut(BaseModel):
    type: str
    target: str


class SubscriptionOut(BaseModel):
    id: str
    owner: str
    name: str
    query: str
    actors: list[str]
    governorates: list[str]
    places: list[str]
    event_types: list[str]
    min_severity: str
    min_escalation: float
    include_signals: bool
    channels: list[ChannelOut]
    throttle_seconds: int
    active: bool
    created_at: str | None = None
    updated_at: str | None = None


class SubscriptionSaved(SubscriptionOut):
    webhook_secret: str | None = Field(None, description=(
        "HMAC-SHA256 key of the X-Rasd-Signature header of this subscription's webhooks. Given when a "
        "webhook is first added; not shown again."))


class SubscriptionList(BaseModel):
    total: int
    page: int
    size: int
    subscriptions: list[SubscriptionOut]


class AlertOut(BaseModel):
    """An alert as indexed (:class:`rasd.schema.Alert`)."""

    model_config = ConfigDict(extra="allow")

    id: str
    subscription_id: str
    owner: str
    kind: str = Field(description="report or signal.")
    report_id: str | None = None
    signal_id: str | None = None
    severity: str
    title: str = ""
    reasons: list[str] = []
    actor_ids: list[str] = []
    governorates: list[str] = []
    event_types: list[str] = []
    locations: list[dict[str, float]] = []
    created_at: str | None = None
    published_at: str | None = None


class AlertList(BaseModel):
    total: int
    page: int
    size: int
    alerts: list[AlertOut]
