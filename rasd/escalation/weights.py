"""How much one analysed report weighs in escalation counts, and how severe it is.

A report's weight is its heaviest event type, plus a quarter of the others,
plus a capped logarithmic casualty term, plus its report-level escalation
indicators (mobilisation, ultimatum, truce breakdown ...). The numbers live in
``rasd/data/escalation/weights.json``.

Report severity (used by alert subscriptions) is defined from the same numbers:

- ``high``   — weight ≥ 4.5, or escalation score ≥ 0.75, or ≥ 10 killed;
- ``medium`` — weight ≥ 2.0 (any clash, shelling, airstrike ...), or escalation score ≥ 0.4, or ≥ 1 killed;
- ``low``    — everything else (protests, negotiations, arrests without casualties).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rasd.errors import DataError
from rasd.resources import load_json
from rasd.schema import Analysis

SEVERITIES = ("low", "medium", "high")


@dataclass(frozen=True, slots=True)
class ReportWeight:
    """The escalation weight of one report.

    Attributes:
        weight: severity-weighted event count (0 for a report with no weighted event or indicator).
        violent: it reports a violent event type or a death.
        severe: violent, with a weight or a death toll above the severe thresholds.
        indicators: names of its escalatory indicators with a positive weight.
        indicator_weight: their summed weight (capped), included in ``weight``.
    """

    weight: float
    violent: bool
    severe: bool
    indicators: tuple[str, ...] = ()
    indicator_weight: float = 0.0


def rank_severity(level: str) -> int:
    """Order of a level: ``"low"`` 0, ``"medium"`` 1, ``"high"`` 2; unknown levels raise :class:`DataError`."""
    try:
        return SEVERITIES.index(level)
    except ValueError:
        raise DataError(f"unknown severity level {level!r}; expected one of {SEVERITIES}") from None


@dataclass(frozen=True)
class ReportWeighting:
    """Weights per event type, casualty and indicator, loaded from data."""

    config: dict[str, Any]

    @classmethod
    @lru_cache(maxsize=1)
    def from_data(cls) -> "ReportWeighting":
        """The weighting in ``rasd/data/escalation/weights.json``."""
        config = load_json("escalation/weights.json")
        for key in ("event_weights", "violent_event_types", "indicator_weights", "severity", "combatant_kinds"):
            if key not in config:
                raise DataError(f"escalation/weights.json lacks {key!r}")
        return cls(config)

    def weigh_events(self, event_types: tuple[str, ...]) -> float:
        """The heaviest event type's weight plus ``other_events_factor`` times the others'.

        Args:
            event_types: e.g. ``("airstrike", "displacement")`` for "غارات جوية ونزوح الأهالي".

        Returns:
            e.g. ``3.0 + 0.25 * 1.0 = 3.25``.
        """
        weights = sorted((self.config["event_weights"].get(t, 0.0) for t in set(event_types)), reverse=True)
        if not weights:
            return 0.0
        return weights[0] + self.config["other_events_factor"] * sum(weights[1:])

    def weigh_casualties(self, killed: int | None, injured: int | None) -> float:
        """A capped logarithmic casualty term: ``0.5·log2(1+killed) + 0.25·log2(1+injured)``, at most 2.5."""
        term = self.config["killed_weight"] * math.log2(1 + (killed or 0))
        term += self.config["injured_weight"] * math.log2(1 + (injured or 0))
        return min(term, self.config["casualty_cap"])

    def weigh_indicators(self, analysis: Analysis) -> tuple[float, tuple[str, ...]]:
        """The indicators' weight (capped) and the names that carry weight.

        Names absent from the table weigh ``unknown_indicator_weight`` when the analysis
        calls the report escalatory, nothing otherwise.
        """
        table = self.config["indicator_weights"]
        total, names = 0.0, []
        for name in dict.fromkeys(signal.name for signal in analysis.escalation.signals):
            if name in table:
                weight = table[name]
            else:
                weight = self.config["unknown_indicator_weight"] if analysis.escalation.escalatory else 0.0
            if weight > 0:
                total += weight
                names.append(name)
        return min(total, self.config["indicator_cap"]), tuple(names)

    def weigh(self, analysis: Analysis) -> ReportWeight:
        """The escalation weight of an analysed report.

        Args:
            analysis: e.g. the analysis of "غارات جوية على خان شيخون ومقتل 4 مدنيين" (airstrike, killed 4).

        Returns:
            e.g. ``ReportWeight(weight=4.16, violent=True, severe=True, indicators=())``.
        """
        if analysis.error is not None:
            return ReportWeight(0.0, False, False)
        indicator_weight, indicators = self.weigh_indicators(analysis)
        weight = (self.weigh_events(analysis.event_types) + self.weigh_casualties(analysis.killed, analysis.injured)
                  + indicator_weight)
        violent = bool(set(analysis.event_types) & set(self.config["violent_event_types"])) or bool(analysis.killed)
        severe = weight >= self.config["severe_weight"] or (analysis.killed or 0) >= self.config["severe_killed"]
        return ReportWeight(round(weight, 4), violent, severe and violent, indicators, indicator_weight)

    def rate_severity(self, analysis: Analysis) -> str:
        """The report's severity for alerting: ``"low"``, ``"medium"`` or ``"high"`` (see the module docstring).

        Args:
            analysis: e.g. the analysis of "قصف مدفعي على كفرنبودة" (shelling, weight 2.5).

        Returns:
            e.g. ``"medium"``.
        """
        weight = self.weigh(analysis).weight
        for level in ("high", "medium"):
            bar = self.config["severity"][level]
            if (weight >= bar["weight"] or analysis.escalation.score >= bar["escalation_score"]
                    or (analysis.killed or 0) >= bar["killed"]):
                return level
        return "low"

    def is_combatant(self, kind: str) -> bool:
        """Whether an actor kind takes part in actor-pair keys (forces and armed groups, not monitors or media)."""
        return kind in self.config["combatant_kinds"]
