"""Throttling with digests: at most one message per subscription, channel and window.

The first alert for a key goes out at once and opens a window of ``throttle_seconds``; alerts
arriving inside the window are held, and when it ends :meth:`Throttle.flush_due` returns them as
ONE digest, which itself opens the next window. Pure: the caller passes the clock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, NamedTuple

from rasd.schema import SCHEMA_VERSION

SEVERITY_ORDER = {"low": 0, "medium": 1, "high": 2}
DEFAULT_MAX_HELD = 500


class ThrottleKey(NamedTuple):
    """What one window covers: a subscription's channel and target."""

    subscription_id: str
    channel: str
    target: str


@dataclass
class _Window:
    opened_at: float
    seconds: float
    held: list[dict[str, Any]] = field(default_factory=list)
    omitted: int = 0


@dataclass(frozen=True)
class Digest:
    """Alerts held during one window, to be delivered as one message.

    Attributes:
        key: the subscription, channel and target.
        alerts: held alerts, oldest first (at most the throttle's ``max_held``).
        omitted: alerts held beyond ``max_held`` and left out (counted, not kept).
        window_start, window_end: Unix seconds of the window.
    """

    key: ThrottleKey
    alerts: tuple[dict[str, Any], ...]
    omitted: int
    window_start: float
    window_end: float

    def to_message(self) -> dict[str, Any]:
        """The message to deliver: the alert itself when only one was held, else a digest dict."""
        if len(self.alerts) == 1 and not self.omitted:
            return self.alerts[0]
        return build_digest_message(self)


def iso_from_unix(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat(timespec="seconds")


def merge_values(alerts: tuple[dict[str, Any], ...], field_name: str) -> list[Any]:
    """Distinct values of a list field across alerts, in first-seen order."""
    seen: dict[str, Any] = {}
    for alert in alerts:
        for value in alert.get(field_name) or ():
            seen.setdefault(repr(value), value)
    return list(seen.values())


def build_digest_message(digest: Digest) -> dict[str, Any]:
    """A digest dict: alert-like top-level fields (for channels and receivers) plus the alerts.

    ``kind`` is ``"digest"``; ``id`` is deterministic from the key and the alert ids, so a
    receiver can use it as an idempotency key; ``severity`` is the highest held.
    """
    alerts = digest.alerts
    ids = [str(a.get("id", "")) for a in alerts]
    seed = "\n".join([*digest.key, *ids]).encode("utf-8")
    top = max(alerts, key=lambda a: SEVERITY_ORDER.get(str(a.get("severity")), -1))
    total = len(alerts) + digest.omitted
    return {
        "id": "digest-" + hashlib.sha256(seed).hexdigest()[:32],
        "kind": "digest",
        "subscription_id": digest.key.subscription_id,
        "owner": top.get("owner", ""),
        "severity": top.get("severity", "low"),
        "title": f"{total} alerts — {top.get('title', '')}".strip(" —"),
        "count": total,
        "omitted": digest.omitted,
        "alert_ids": ids,
        "alerts": list(alerts),
        "reasons": merge_values(alerts, "reasons"),
        "actor_ids": merge_values(alerts, "actor_ids"),
        "governorates": merge_values(alerts, "governorates"),
        "event_types": merge_values(alerts, "event_types"),
        "locations": merge_values(alerts, "locations"),
        "window_start": iso_from_unix(digest.window_start),
        "window_end": iso_from_unix(digest.window_end),
        "created_at": iso_from_unix(digest.window_end),
        "schema_version": SCHEMA_VERSION,
    }


class Throttle:
    """Per-key windows; holds what arrives inside a window and releases it as a digest.

    Args:
        max_held: alerts kept per window; beyond it they are only counted (``omitted``).
    """

    def __init__(self, max_held: int = DEFAULT_MAX_HELD):
        self.max_held = max_held
        self._windows: dict[ThrottleKey, _Window] = {}

    def offer(self, key: ThrottleKey, alert: dict[str, Any], now: float, window_seconds: float) -> bool:
        """Whether ``alert`` may be delivered now; if not, it is held for the window's digest.

        Args:
            key: subscription, channel, target.
            alert: the alert dict.
            now: Unix seconds.
            window_seconds: the subscription's ``throttle_seconds`` (0 or less: never throttled).

        Returns:
            True to deliver now (a new window opens), False when held.
        """
        if window_seconds <= 0:
            return True
        window = self._windows.get(key)
        if window is None or now >= window.opened_at + window.seconds:
            if window is not None and window.held:
                # A due digest not flushed yet: join it rather than overtake it.
                self._hold(window, alert)
                return False
            self._windows[key] = _Window(opened_at=now, seconds=window_seconds)
            return True
        self._hold(window, alert)
        return False

    def _hold(self, window: _Window, alert: dict[str, Any]) -> None:
        if len(window.held) < self.max_held:
            window.held.append(alert)
        else:
            window.omitted += 1

    def flush_due(self, now: float) -> list[Digest]:
        """Digests of every window that has ended with alerts held; each opens the next window.

        Windows that ended with nothing held are forgotten (the next alert goes out at once).
        """
        digests = []
        for key, window in list(self._windows.items()):
            end = window.opened_at + window.seconds
            if now < end:
                continue
            if not window.held:
                del self._windows[key]
                continue
            digests.append(Digest(key=key, alerts=tuple(window.held), omitted=window.omitted,
                                  window_start=window.opened_at, window_end=end))
            self._windows[key] = _Window(opened_at=now, seconds=window.seconds)
        return digests

    def held_count(self) -> int:
        """Alerts waiting for a digest, across all keys."""
        return sum(len(w.held) + w.omitted for w in self._windows.values())
