"""What every delivery channel shares: its settings, its result, its base class.

A channel is one class (``WebhookChannel``, ``SseChannel``, ``EmailChannel``) that declares the
settings it needs in ``required_options``; :func:`delivery.registry.build_channels` checks those
before anything is built, so a misconfigured process fails at start, not at its first alert.
"""

from __future__ import annotations

import abc
import os
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Mapping
from urllib.parse import urlsplit

from delivery.exceptions import DeliveryConfigError

OUTCOMES = ("delivered", "held", "failed", "refused", "unavailable", "error")


@dataclass(frozen=True)
class DeliverySettings:
    """Settings of the delivery stage, from ``RASD_<FIELD NAME IN CAPITALS>`` variables.

    Attributes:
        webhook_secret: master secret; each subscription's signing key is derived from it
            (``RASD_WEBHOOK_SECRET``, required by the webhook channel).
        allow_private_targets: let webhooks reach loopback and private addresses
            (``RASD_ALLOW_PRIVATE_TARGETS``; off in production, on in tests and local setups).
        delivery_max_attempts: tries per delivery before it is dead-lettered.
        delivery_backoff_seconds: first retry delay; doubled each try, with jitter.
        delivery_backoff_max_seconds: longest delay between two tries.
        delivery_retry_after_max_seconds: a ``Retry-After`` longer than this gives up instead of waiting.
        delivery_timeout_seconds: connect/read timeout of one HTTP or SMTP exchange.
        user_agent: ``User-Agent`` of webhook requests.
        smtp_host, smtp_port, smtp_from: the mail relay and the sender (host and sender required by e-mail).
        smtp_starttls: upgrade the SMTP session with STARTTLS.
        smtp_username, smtp_password: SMTP login, when the relay wants one.
        public_url: base URL of the rasd API or dashboard, for links in messages ("" for none).
        sse_queue_size: alerts buffered per live stream before a slow client is dropped.
        sse_replay_size: recent alerts kept to replay after ``Last-Event-ID``.
        sse_keepalive_seconds: a comment line is sent after this long without an alert.
    """

    webhook_secret: str = field(default="", repr=False)
    allow_private_targets: bool = False
    delivery_max_attempts: int = 5
    delivery_backoff_seconds: float = 1.0
    delivery_backoff_max_seconds: float = 60.0
    delivery_retry_after_max_seconds: float = 300.0
    delivery_timeout_seconds: float = 10.0
    user_agent: str = "rasd-delivery/0.1"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = ""
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    public_url: str = ""
    sse_queue_size: int = 100
    sse_replay_size: int = 1000
    sse_keepalive_seconds: float = 15.0

    def __post_init__(self) -> None:
        problems = check_settings(self)
        if problems:
            raise DeliveryConfigError("; ".join(problems))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "DeliverySettings":
        """Build settings from ``RASD_*`` variables, then keyword overrides (CLI flags, tests).

        Raises:
            DeliveryConfigError: a value has the wrong form, naming the variable.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            var = f"RASD_{f.name.upper()}"
            if var in env:
                values[f.name] = parse_setting(var, env[var], f.type)
        values.update(overrides)
        return cls(**values)


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def parse_setting(var: str, raw: str, type_name: Any) -> Any:
    """Convert one environment value to the field's type.

    Raises:
        DeliveryConfigError: the value does not parse.
    """
    kind = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", str(type_name))
    text = raw.strip()
    try:
        if kind == "bool":
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise ValueError(raw)
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
    except ValueError as exc:
        expected = {"bool": "true or false", "int": "an integer", "float": "a number"}[kind]
        raise DeliveryConfigError(f"{var} must be {expected}, got {raw!r}") from exc
    return raw


def check_settings(settings: DeliverySettings) -> list[str]:
    """Problems with the values themselves (ranges, URL form); empty when all is well."""
    problems = []
    if settings.delivery_max_attempts < 1:
        problems.append("RASD_DELIVERY_MAX_ATTEMPTS must be at least 1")
    for name in ("delivery_backoff_seconds", "delivery_backoff_max_seconds",
                 "delivery_retry_after_max_seconds", "delivery_timeout_seconds", "sse_keepalive_seconds"):
        if getattr(settings, name) < 0:
            problems.append(f"RASD_{name.upper()} must not be negative")
    if not 0 < settings.smtp_port < 65536:
        problems.append("RASD_SMTP_PORT must be between 1 and 65535")
    if settings.sse_queue_size < 1 or settings.sse_replay_size < 0:
        problems.append("RASD_SSE_QUEUE_SIZE must be at least 1 and RASD_SSE_REPLAY_SIZE not negative")
    if settings.public_url and urlsplit(settings.public_url).scheme not in ("http", "https"):
        problems.append(f"RASD_PUBLIC_URL must be an http(s) URL, got {settings.public_url!r}")
    return problems


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one message on one channel.

    Attributes:
        ok: the receiver accepted it (or, for ``held``, it waits for a digest).
        attempts: tries made (0 when nothing was sent).
        status: the receiver's answer: HTTP status, SMTP reply code, live SSE streams reached; else None.
        error: why it failed, for logs and dead letters; None on success.
        outcome: one of :data:`OUTCOMES`.
        channel: ``webhook``, ``sse`` or ``email``.
        latency_ms: time from the first try to the last answer.
    """

    ok: bool
    attempts: int
    status: int | None = None
    error: str | None = None
    outcome: str = "delivered"
    channel: str = ""
    latency_ms: float = 0.0


class Channel(abc.ABC):
    """One way of delivering alerts. Subclasses set ``name`` and ``required_options``.

    Attributes:
        name: the key in :data:`delivery.registry.CHANNELS` and in a subscription's ``channels[].type``.
        required_options: :class:`DeliverySettings` fields that must be non-empty for this channel.
    """

    name: ClassVar[str]
    required_options: ClassVar[tuple[str, ...]] = ()

    def __init__(self, settings: DeliverySettings):
        self.settings = settings

    @classmethod
    def build(cls, settings: DeliverySettings, **resources: Any) -> "Channel":
        """Construct the channel; shared resources (e.g. the SSE broadcaster) are passed by name."""
        return cls(settings)

    @classmethod
    def check_target(cls, target: str, settings: DeliverySettings) -> None:
        """Refuse a malformed target when a subscription is created (before any delivery).

        Raises:
            TargetRefused: naming the reason.
        """

    @abc.abstractmethod
    async def deliver(self, alert: dict[str, Any], target: str) -> DeliveryResult:
        """Deliver one alert (or digest) dict to ``target``; never raises for a receiver's failure."""

    async def aclose(self) -> None:
        """Release connections; the channel is not used afterwards."""
