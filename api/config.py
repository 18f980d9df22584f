"""Settings of the API's own state: the key and subscription database, the admin token, limits.

Read from ``RASD_*`` variables like every other settings object; the Kafka and Elasticsearch
addresses stay in :class:`rasd.settings.Settings`, the delivery options in
:class:`delivery.DeliverySettings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from rasd.errors import ConfigurationError

DEFAULT_API_DB = ".rasd/api.sqlite"
MIN_ADMIN_TOKEN_CHARS = 16


@dataclass(frozen=True)
class ApiSettings:
    """Settings of the subscription and key endpoints.

    Attributes:
        api_db: SQLite file holding the API keys (hashed) and the owners' subscriptions
            (``RASD_API_DB``; its folder is created on first use).
        admin_token: the token that may create and revoke API keys over HTTP (``RASD_ADMIN_TOKEN``;
            empty: ``POST /keys`` is refused and keys are made with ``rasd keys create``).
        max_subscriptions: subscriptions one owner may hold (``RASD_API_MAX_SUBSCRIPTIONS``).
        alert_stream_ready_seconds: how long the first ``GET /alerts/stream`` waits for the
            alerts-topic consumer to be positioned (``RASD_API_ALERT_STREAM_READY_SECONDS``).
        embedded_db: the SQLite file of ``rasd run`` to serve instead of Elasticsearch
            (``RASD_EMBEDDED_DB``; empty: Elasticsearch). ``POST /reports`` then runs the embedded
            pipeline; subscription writes and the live alert stream, which need Kafka, answer 503.
        embedded_subscriptions: the JSON file of subscriptions that reports posted in the embedded
            mode are matched against (``RASD_EMBEDDED_SUBSCRIPTIONS``; empty: the bundled samples,
            as ``rasd run`` takes by default).
    """

    api_db: str = DEFAULT_API_DB
    admin_token: str = field(default="", repr=False)
    max_subscriptions: int = 100
    alert_stream_ready_seconds: float = 15.0
    embedded_db: str = ""
    embedded_subscriptions: str = ""

    def __post_init__(self) -> None:
        if self.admin_token and len(self.admin_token) < MIN_ADMIN_TOKEN_CHARS:
            raise ConfigurationError(f"RASD_ADMIN_TOKEN must be at least {MIN_ADMIN_TOKEN_CHARS} characters")
        if self.max_subscriptions < 1:
            raise ConfigurationError("RASD_API_MAX_SUBSCRIPTIONS must be at least 1")
        if self.alert_stream_ready_seconds <= 0:
            raise ConfigurationError("RASD_API_ALERT_STREAM_READY_SECONDS must be positive")

    @property
    def db_path(self) -> Path:
        return Path(self.api_db)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "ApiSettings":
        """Build settings from ``RASD_API_DB``, ``RASD_ADMIN_TOKEN``, ``RASD_API_MAX_SUBSCRIPTIONS``,
        ``RASD_API_ALERT_STREAM_READY_SECONDS``, ``RASD_EMBEDDED_DB``, ``RASD_EMBEDDED_SUBSCRIPTIONS``,
        then keyword overrides.

        Raises:
            ConfigurationError: a value has the wrong form, naming the variable.
        """
        env = os.environ if environ is None else environ
        values: dict = {}
        if env.get("RASD_API_DB"):
            values["api_db"] = env["RASD_API_DB"]
        for name in ("embedded_db", "embedded_subscriptions"):
            var = "RASD_" + name.upper()
            if env.get(var, "").strip():
                values[name] = env[var].strip()
        if "RASD_ADMIN_TOKEN" in env:
            values["admin_token"] = env["RASD_ADMIN_TOKEN"].strip()
        for name, kind in (("max_subscriptions", int), ("alert_stream_ready_seconds", float)):
            var = "RASD_API_" + name.upper()
            if var in env:
                try:
                    values[name] = kind(env[var])
                except ValueError as exc:
                    raise ConfigurationError(f"{var} must be a number, got {env[var]!r}") from exc
        values.update(overrides)
        return cls(**values)
