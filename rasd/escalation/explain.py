"""Plain-language pieces of escalation reasons: counts with their nouns, windows, spans, report lists.

Every signal says what was seen, where, when and against what, with the report
ids, e.g. "3 violent events in Idlib between 06:00 and 12:00 UTC on 12 June
2019 (weight 14.2) against a baseline of 0.5 per window — 28×; reports a, b, c".
A reason's report list always comes last, after ``"; reports "`` (or
``"; report "``), so a display can cut it off and show the ids once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """A count and its noun: ``plural(1, "event")`` → ``"1 event"``, ``plural(3, "event")`` → ``"3 events"``.

    Args:
        n: the count.
        noun: the singular, e.g. ``"report"`` (for تقرير).
        nouns: the plural when not ``noun + "s"``, e.g. ``"casualties"``.
    """
    return f"{n} {noun if n == 1 else nouns or noun + 's'}"


def join_words(items: Sequence[str]) -> str:
    """``["a"]`` → ``"a"``, ``["a", "b"]`` → ``"a and b"``, ``["a", "b", "c"]`` → ``"a, b and c"``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def describe_window(start: float, size_seconds: int) -> str:
    """A window in words, e.g. ``"between 06:00 and 12:00 UTC on 12 June 2019"``.

    Args:
        start: window start (epoch seconds), e.g. of a report on قصف أريحا at 09:10 UTC.
        size_seconds: window size; a window that runs past midnight names both days.
    """
    first = datetime.fromtimestamp(start, tz=timezone.utc)
    last = datetime.fromtimestamp(start + size_seconds, tz=timezone.utc)
    day = f"{first.day} {first:%B %Y}"
    if last.date() == first.date():
        return f"between {first:%H:%M} and {last:%H:%M} UTC on {day}"
    if size_seconds <= 86400 and last.hour == 0 and last.minute == 0:
        return f"between {first:%H:%M} and 24:00 UTC on {day}"
    return f"between {first:%H:%M} UTC on {day} and {last:%H:%M} UTC on {last.day} {last:%B %Y}"


def describe_span(windows: int, window_hours: float) -> str:
    """A number of windows as a duration: ``"16 days"``, ``"1 day"`` (a day of 6 h windows is 4), ``"18 hours"``.

    Args:
        windows: e.g. ``64``.
        window_hours: e.g. ``6``.
    """
    hours = windows * window_hours
    if hours >= 48:
        return plural(round(hours / 24), "day")
    return plural(round(hours), "hour")


def describe_ratio(ratio: float) -> str:
    """``28.3`` → ``"28×"``, ``3.46`` → ``"3.5×"``."""
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.1f}×"


def list_reports(report_ids: Sequence[str], limit: int = 5) -> str:
    """The reason's tail: ``"report a"``, ``"reports a, b and c"``, ``"reports a, b, c, d, e and 4 more"``.

    Args:
        report_ids: e.g. ``("sohr-1", "sana-2")``.
        limit: how many ids to name.
    """
    ids = list(dict.fromkeys(report_ids))
    if not ids:
        return "no reports"
    noun = "report" if len(ids) == 1 else "reports"
    if len(ids) <= limit:
        return f"{noun} {join_words(ids)}"
    return f"{noun} {', '.join(ids[:limit])} and {len(ids) - limit} more"
