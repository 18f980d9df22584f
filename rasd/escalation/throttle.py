"""Throttling of escalation signals: a key already alerting does not fire on every report.

A key fires when it is not alerting, when its level rises above the level it
alerted at, or when it has been quiet (no rule hit) for ``quiet_seconds`` of
event time. Otherwise the hit is suppressed, counted, and the reason given.
The per-key alert state is a small JSON dict::

    {"level": "medium", "since": 1533880800.0, "last_hit": 1533884400.0,
     "signal_id": "esc-…", "suppressed": 3}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
        return ThrottleDecision(True, f"first alert for {key}", _fired(level, moment, signal_id))
    quiet_for = moment - alert["last_hit"]
    if quiet_for >= quiet_seconds:
        reason = (f"re-alert: {key} was quiet for {quiet_for / 3600:.1f} h (≥ {quiet_seconds / 3600:g} h) "
                  f"since its last hit")
        return ThrottleDecision(True, reason, _fired(level, moment, signal_id))
    if rank_severity(level) > rank_severity(alert["level"]):
        reason = f"level rose from {alert['level']} to {level} for {key}"
        if alert["suppressed"]:
            reason += f" ({alert['suppressed']} lower hits suppressed since {to_iso(alert['since'])})"
        return ThrottleDecision(True, reason, {**_fired(level, moment, signal_id), "since": alert["since"]})
    reason = (f"suppressed: {key} has been alerting at level {alert['level']} since {to_iso(alert['since'])} "
              f"(signal {alert['signal_id']}); this {level} hit re-fires only if the level rises above "
              f"{alert['level']} or after {quiet_seconds / 3600:g} h without hits")
    updated = {**alert, "last_hit": max(alert["last_hit"], moment), "suppressed": alert["suppressed"] + 1}
    return ThrottleDecision(False, reason, updated)


def _fired(level: str, moment: float, signal_id: str) -> dict[str, Any]:
    return {"level": level, "since": moment, "last_hit": moment, "signal_id": signal_id, "suppressed": 0}
