"""The expected weight of a key's window: an EWMA over its past windows, empty ones included.

A key's baseline is an exponentially weighted moving average (and variance)
of the severity-weighted counts of its past windows. Windows in which nothing
happened count as zeros, so a governorate with one clash a day has a baseline
near a quarter of a clash per 6-hour window, and the same number of clashes in
one window stands out.

While a key is young the average is a plain running mean (the prior counting
as one window): the factor of the k-th window folded is ``max(alpha, 1/(k+1))``,
so four windows of a busy governorate already give it a baseline near their
mean instead of a prior that takes weeks to forget. The state is a small JSON
dict::

    {"mean": 0.7, "var": 0.4, "n": 12, "through": 1533880800}

where ``through`` is the start of the first window not yet folded in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

_NEGLIGIBLE = 1e-9


def smoothing_factor(half_life_windows: float) -> float:
    """The EWMA factor whose weights halve every ``half_life_windows`` windows (28 → ≈ 0.0245)."""
    return 1.0 - 0.5 ** (1.0 / half_life_windows)


def start_baseline(first_window: int, prior_mean: float) -> dict[str, Any]:
    """A new key's baseline: the prior mean (variance equal to it, as for a Poisson count), nothing folded."""
    return {"mean": prior_mean, "var": prior_mean, "n": 0, "through": first_window}


def fold_value(baseline: dict[str, Any], value: float, alpha: float) -> dict[str, Any]:
    """Fold one window's weight into the EWMA mean and variance (West's incremental form).

    Args:
        baseline: e.g. ``{"mean": 0.5, "var": 0.5, "n": 0, "through": 0}``.
        value: the window's weighted count, e.g. ``2.5`` (one shelling report on "ريف إدلب").
        alpha: the smoothing factor.

    Returns:
        A new baseline dict (``through`` unchanged; the caller advances it).
    """
    diff = value - baseline["mean"]
    increment = alpha * diff
    return {**baseline, "mean": baseline["mean"] + increment,
            "var": (1.0 - alpha) * (baseline["var"] + diff * increment), "n": baseline["n"] + 1}


def warm_factor(alpha: float, folded: int) -> float:
    """The factor for the next window of a key with ``folded`` windows behind it: a running mean while young.

    Args:
        alpha: the long-run smoothing factor, e.g. ``0.0245``.
        folded: windows already folded, e.g. ``3``.

    Returns:
        ``max(alpha, 1 / (folded + 2))``, e.g. ``0.2`` (the prior counts as one window).
    """
    return max(alpha, 1.0 / (folded + 2))


def fold_through(baseline: dict[str, Any], until: int, size: int, alpha: float,
                 weight_of: Callable[[int], float]) -> dict[str, Any]:
    """Fold every window from ``baseline["through"]`` up to (not including) ``until``.

    Args:
        baseline: the key's baseline.
        until: window start to stop at (e.g. the window being scored).
        size: window size in seconds.
        alpha: the smoothing factor (young keys use :func:`warm_factor`).
        weight_of: the weighted count of the window starting at a given time (0 for an empty window).

    Returns:
        The advanced baseline; long runs of empty windows stop costing once the mean is negligible.
    """
    current = dict(baseline)
    start = current["through"]
    while start < until:
        value = weight_of(start)
        if value == 0 and current["mean"] < _NEGLIGIBLE and current["var"] < _NEGLIGIBLE:
            skipped = (until - start) // size
            current = {**current, "mean": 0.0, "var": 0.0, "n": current["n"] + skipped}
            start += skipped * size
            break
        current = fold_value(current, value, warm_factor(alpha, current["n"]))
        start += size
    current["through"] = max(start, current["through"])
    return current


def backfill_baseline(first_window: int, prior_mean: float, quiet_windows: int, size: int,
                      alpha: float) -> dict[str, Any]:
    """The baseline of a key first seen after the detector had watched ``quiet_windows`` windows without it.

    Those windows had nothing for the key, so they are folded in as zeros: a governorate unnamed for a
    week has a baseline near zero, and a burst there is measured against it.

    Args:
        first_window: start of the key's first window (epoch seconds).
        prior_mean: the prior, e.g. ``0.5``.
        quiet_windows: windows watched before it, e.g. ``28``; 0 gives :func:`start_baseline`.
        size: window size in seconds.
        alpha: the smoothing factor.

    Returns:
        A baseline folded through ``first_window``, e.g. ``{"mean": 0.017, "var": ..., "n": 28, ...}``.
    """
    base = start_baseline(first_window - quiet_windows * size, prior_mean)
    return fold_through(base, first_window, size, alpha, lambda _start: 0.0)


def expected_spread(baseline: dict[str, Any], floor: float) -> tuple[float, float]:
    """The expected weight (floored, so a quiet key's ratio stays finite) and its standard deviation.

    Args:
        baseline: a folded baseline.
        floor: the minimum expected weight, e.g. ``0.5``.

    Returns:
        ``(expected, std)``, e.g. ``(0.5, 0.7)``.
    """
    return max(baseline["mean"], floor), math.sqrt(max(baseline["var"], 0.0))
