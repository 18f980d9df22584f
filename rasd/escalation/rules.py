"""Escalation rules, one class per rule type, registered by name in :data:`RULE_TYPES`.

In the spirit of ElastAlert: every rule type declares its options (type,
default, whether required); a rule's configuration is validated before the
rule is built; a rule looks at one key's window (a :class:`WindowView`) and
either stays silent or returns a :class:`RuleHit` with a score in [0, 1] and
a sentence saying what it saw.

- ``spike``     — the window's weight is ≥ ``ratio`` times the key's baseline, with minimum weight and count;
- ``frequency`` — ≥ ``num_events`` severe events (distinct stories) in the window;
- ``new_term``  — a violent event for a key with no violence in its last ``quiet_windows`` windows;
- ``indicator`` — the window's reports carry report-level escalation indicators weighing ≥ ``min_weight``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rasd.errors import DataError
from rasd.schema import SIGNAL_KEY_TYPES


@dataclass(frozen=True, slots=True)
class Option:
    """One option a rule type accepts."""

    type: type | tuple[type, ...]
    default: Any = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class WindowView:
    """What a rule sees of one key in one window.

    Attributes:
        key_type, key: e.g. ``"governorate"``, ``"Idlib"``.
        window_hours: the window size.
        observed: severity-weighted count (one weight per story, the heaviest of its reports).
        count: stories with a positive weight.
        severe: severe stories.
        violent: violent stories.
        indicators: indicator name → stories carrying it.
        indicator_weight: summed indicator weights over the stories.
        expected: the baseline (floored) for this window; expected_std its standard deviation.
        history_windows: windows since the key was first seen; detector_windows: since the detector started.
        quiet_windows_before: windows since the key's last violent window (None: never violent).
        report_ids: the window's reports.
    """

    key_type: str
    key: str
    window_hours: float
    observed: float
    count: int
    severe: int
    violent: int
    indicators: dict[str, int]
    indicator_weight: float
    expected: float
    expected_std: float
    history_windows: int
    detector_windows: int
    quiet_windows_before: int | None
    report_ids: tuple[str, ...]

    def describe_reports(self, limit: int = 5) -> str:
        """``"reports r1, r2, r3 and 4 more"``."""
        shown = ", ".join(self.report_ids[:limit])
        more = len(self.report_ids) - limit
        return f"reports {shown}" + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule fired: its name, its score in [0, 1] and why."""

    rule: str
    score: float
    reason: str


def score_excess(value: float, threshold: float, steepness: float = 2.0) -> float:
    """0.5 at the threshold, rising towards 1 as ``value`` exceeds it: ``1 / (1 + (threshold/value)^steepness)``.

    Args:
        value: e.g. an observed/expected ratio of 9.
        threshold: e.g. the rule's ratio 3.

    Returns:
        e.g. ``0.9``.
    """
    if value <= 0:
        return 0.0
    return 1.0 / (1.0 + (threshold / value) ** steepness)


class Rule:
    """Base class: a named rule of one type, for some key types, with validated options."""

    type_name: ClassVar[str] = ""
    options_spec: ClassVar[dict[str, Option]] = {}

    def __init__(self, name: str, key_types: tuple[str, ...] = SIGNAL_KEY_TYPES, **options: Any):
        unknown = set(options) - set(self.options_spec)
        if unknown:
            raise DataError(f"rule {name!r} ({self.type_name}): unknown options {sorted(unknown)}")
        bad_keys = set(key_types) - set(SIGNAL_KEY_TYPES)
        if bad_keys:
            raise DataError(f"rule {name!r}: unknown key types {sorted(bad_keys)}")
        self.name, self.key_types = name, tuple(key_types)
        for option, spec in self.options_spec.items():
            if option not in options and spec.required:
                raise DataError(f"rule {name!r} ({self.type_name}): option {option!r} is required")
            value = options.get(option, spec.default)
            if isinstance(value, bool) or not isinstance(value, spec.type):
                raise DataError(f"rule {name!r} ({self.type_name}): option {option!r} must be {spec.type}, "
                                f"not {value!r}")
            setattr(self, option, value)

    def applies_to(self, key_type: str) -> bool:
        return key_type in self.key_types

    def evaluate(self, view: WindowView) -> RuleHit | None:  # pragma: no cover - abstract
        raise NotImplementedError


_NUMBER = (int, float)


class SpikeRule(Rule):
    """The window weighs ``ratio`` times the key's baseline or more (and at least ``min_observed``, ``min_count``).

    Keys younger than ``min_history_windows`` have no baseline worth comparing to and never spike.
    """

    type_name = "spike"
    options_spec = {"ratio": Option(_NUMBER, required=True), "min_observed": Option(_NUMBER, 0.0),
                    "min_count": Option(int, 1), "min_history_windows": Option(int, 0)}

    def evaluate(self, view: WindowView) -> RuleHit | None:
        ratio = view.observed / view.expected
        if (ratio < self.ratio or view.observed < self.min_observed or view.count < self.min_count
                or view.history_windows < self.min_history_windows):
            return None
        reason = (f"spike: {view.key} weighs {view.observed:.1f} ({view.count} events) in this "
                  f"{view.window_hours:g} h window against an expected {view.expected:.2f} "
                  f"(±{view.expected_std:.2f}), ratio {ratio:.1f} ≥ {self.ratio:g}; {view.describe_reports()}")
        return RuleHit(self.name, score_excess(ratio, self.ratio), reason)


class FrequencyRule(Rule):
    """At least ``num_events`` severe events (distinct stories) in the window."""

    type_name = "frequency"
    options_spec = {"num_events": Option(int, required=True)}

    def evaluate(self, view: WindowView) -> RuleHit | None:
        if view.severe < self.num_events:
            return None
        reason = (f"frequency: {view.severe} severe events for {view.key} in one {view.window_hours:g} h window "
                  f"(≥ {self.num_events}); {view.describe_reports()}")
        return RuleHit(self.name, score_excess(view.severe, self.num_events), reason)


class NewTermRule(Rule):
    """A violent event for a key with a quiet history: none in its last ``quiet_windows`` windows.

    The key must have been known for ``min_history_windows`` windows (0: a key never seen before
    counts as quiet), and the detector must have run for ``warmup_windows`` windows, so a cold
    start does not call every key new.
    """

    type_name = "new_term"
    options_spec = {"quiet_windows": Option(int, required=True), "min_history_windows": Option(int, 0),
                    "warmup_windows": Option(int, 0), "score": Option(_NUMBER, 0.5)}

    def evaluate(self, view: WindowView) -> RuleHit | None:
        quiet = view.quiet_windows_before is None or view.quiet_windows_before >= self.quiet_windows
        if (not view.violent or not quiet or view.history_windows < self.min_history_windows
                or view.detector_windows < self.warmup_windows):
            return None
        history = ("never violent before" if view.quiet_windows_before is None
                   else f"no violence in the previous {view.quiet_windows_before} windows")
        reason = (f"new violence: {view.violent} violent events for {view.key} after a quiet history "
                  f"({history}, ≥ {self.quiet_windows} required); {view.describe_reports()}")
        return RuleHit(self.name, float(self.score), reason)


class IndicatorRule(Rule):
    """Report-level escalation indicators (mobilisation, ultimatum, truce breakdown ...) weighing ≥ ``min_weight``."""

    type_name = "indicator"
    options_spec = {"min_weight": Option(_NUMBER, required=True)}

    def evaluate(self, view: WindowView) -> RuleHit | None:
        if view.indicator_weight < self.min_weight or not view.indicators:
            return None
        named = ", ".join(f"{name} ×{n}" for name, n in sorted(view.indicators.items(), key=lambda kv: -kv[1]))
        reason = (f"indicators: {named} for {view.key} weighing {view.indicator_weight:.1f} "
                  f"(≥ {self.min_weight:g}); {view.describe_reports()}")
        return RuleHit(self.name, score_excess(view.indicator_weight, self.min_weight), reason)


RULE_TYPES: dict[str, type[Rule]] = {cls.type_name: cls for cls in (SpikeRule, FrequencyRule, NewTermRule,
                                                                      IndicatorRule)}


def build_rule(config: dict[str, Any]) -> Rule:
    """Build one rule from its configuration, validated.

    Args:
        config: e.g. ``{"name": "spike", "type": "spike", "key_types": ["governorate"], "options": {"ratio": 3}}``.

    Returns:
        The rule; a :class:`DataError` names what is wrong with a bad configuration.
    """
    if not isinstance(config, dict) or "type" not in config:
        raise DataError(f"a rule needs a 'type': {config!r}")
    rule_type = RULE_TYPES.get(config["type"])
    if rule_type is None:
        raise DataError(f"unknown rule type {config['type']!r}; known: {sorted(RULE_TYPES)}")
    return rule_type(config.get("name") or config["type"], tuple(config.get("key_types") or SIGNAL_KEY_TYPES),
                     **(config.get("options") or {}))


def build_rules(configs: list[dict[str, Any]]) -> list[Rule]:
    """Build every configured rule; rule names must be unique."""
    rules = [build_rule(config) for config in configs]
    names = [rule.name for rule in rules]
    if len(names) != len(set(names)):
        raise DataError(f"rule names must be unique: {names}")
    return rules
