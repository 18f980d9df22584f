"""Time for the streaming stages: timestamps to epoch seconds, tumbling windows, ISO output.

Every stage reasons in event time (a report's ``published_at``) in UTC epoch
seconds; a timestamp without a zone is taken as UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone

from rasd.validate import parse_published_at

Timestamp = str | datetime | float | int | None


def to_epoch(value: Timestamp) -> float | None:
    """Epoch seconds of a timestamp, None when absent or unparseable.

    Args:
        value: ISO-8601 text (``"2018-08-10T06:00:00Z"``), a datetime (naive = UTC) or epoch seconds.

    Returns:
        e.g. ``1533880800.0``.
    """
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    moment = value if isinstance(value, datetime) else parse_published_at(value)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def to_iso(epoch: float) -> str:
    """ISO-8601 UTC text of epoch seconds, e.g. ``"2018-08-10T06:00:00+00:00"``."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="seconds")


def window_start(epoch: float, size_seconds: int) -> int:
    """Start (epoch seconds) of the tumbling window holding ``epoch``; windows are aligned on the Unix epoch."""
    return int(epoch // size_seconds) * size_seconds


def now_epoch() -> float:
    """The current processing time in epoch seconds."""
    return datetime.now(timezone.utc).timestamp()
