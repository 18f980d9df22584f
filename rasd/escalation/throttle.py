"""Throttling of escalation signals: a key already alerting does not fire on every report.

A key fires when it is not signalling, when its level rises above the level it
signalled at, or when it has been quiet (no rule hit) for ``quiet_seconds`` of
event time. Otherwise the hit is held back, counted, and the reason given.
The per-key alert state is a small JSON dict::

    {"level": "medium", "since": 1533880800.0, "last_hit": 1533884400.0,
     "signal_id": "esc-…", "suppressed": 3}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rasd.escalation.explain import plural
from rasd.escalation.weights import rank_severity
from rasd.escalation.windows import to_iso


@dataclass(frozen=True, slots=True)
class ThrottleDecision:
    """Whether a rule hit becomes a signal, why, and the key's next alert state."""

    fire: bool
    reason: str
    alert: dict[str, Any]


def decide_throttle(alert: dict[str, Any] | None, key: str, level: str, moment: float, signal_id: str,
                    quiet_seconds: float) -> ThrottleDecision:
    """Decide whether a key's rule hit fires or is suppressed.

    Args:
        alert: the key's alert state, None when it never alerted.
        key: e.g. ``"Idlib"``, for the reason text.
        level: the level of the hit, e.g. ``"high"``.
        moment: event time of the report that caused the hit (epoch seconds).
        signal_id: the id of the signal the hit would emit.
        quiet_seconds: how long without hits re-arms the key.

    Returns:
        The decision; suppressed hits still move ``last_hit`` (the key is not quiet).
    """
    if alert is None:
        return ThrottleDecision(True, f"first signal for {key}", _fired(level, moment, signal_id))
    quiet_for = moment - alert["last_hit"]
    if quiet_for >= quiet_seconds:
        reason = (f"{key} signals again after {describe_hours(quiet_for)} without hits "
                  f"(the quiet period is {describe_hours(quiet_seconds)})")
        return ThrottleDecision(True, reason, _fired(level, moment, signal_id))
    if rank_severity(level) > rank_severity(alert["level"]):
        reason = f"level rose from {alert['level']} to {level} for {key}"
        if alert["suppressed"]:
            reason += (f" ({plural(alert['suppressed'], 'lower hit')} held back since "
                       f"{describe_moment(alert['since'])})")
        return ThrottleDecision(True, reason, {**_fired(level, moment, signal_id), "since": alert["since"]})
    reason = (f"held back: {key} has been signalling at level {alert['level']} since "
              f"{describe_moment(alert['since'])} (signal {alert['signal_id']}); it signals again if the level "
              f"rises above {alert['level']} or after {describe_hours(quiet_seconds)} without hits")
    updated = {**alert, "last_hit": max(alert["last_hit"], moment), "suppressed": alert["suppressed"] + 1}
    return ThrottleDecision(False, reason, updated)


def describe_hours(seconds: float) -> str:
    """``52200`` → ``"14.5 hours"``, ``86400`` → ``"24 hours"``, ``3600`` → ``"1 hour"``, 3 days → ``"3 days"``."""
    if seconds >= 2 * 86400:
        return plural(round(seconds / 86400), "day")
    hours = round(seconds / 3600, 1)
    return f"{hours:g} hour" + ("" if hours == 1 else "s")


def describe_moment(epoch: float) -> str:
    """``1533548400`` → ``"2018-08-06 09:40 UTC"``."""
    return to_iso(epoch)[:16].replace("T", " ") + " UTC"


def _fired(level: str, moment: float, signal_id: str) -> dict[str, Any]:
    return {"level": level, "since": moment, "last_hit": moment, "signal_id": signal_id, "suppressed": 0}
