"""Escalation rules, one class per rule type, registered by name in :data:`RULE_TYPES`.

In the spirit of ElastAlert: every rule type declares its options (type,
default, whether required); a rule's configuration is validated before the
rule is built; a rule looks at one key's window (a :class:`WindowView`) and
either stays silent or returns a :class:`RuleHit` with a score in [0, 1] and
a sentence saying what it saw, with numbers and report ids.

- ``spike``     — the window (or the last two) weighs ≥ ``ratio`` times the key's own baseline, with
  more violent events than the key's usual rate makes likely;
- ``frequency`` — ≥ ``num_events`` violent events in one window of a key too new to have a baseline;
- ``new_term``  — violence for a key with none in the last ``quiet_windows`` windows, once the
  detector has watched that long (a new violent dyad, a governorate quiet for a long time);
- ``indicator`` — mobilisation, ultimatums, truce breakdowns ...: ≥ ``min_reports`` reports carrying
  them, or one strong one, more than the key's usual level of such reports makes likely.

How unlikely a count is, is a Poisson tail (:func:`poisson_tail`) given the
key's EWMA rate, said in words ("a chance of about 1 in 2,300"); ``spike`` and
``indicator`` score that surprise (:func:`score_surprise`), ``frequency`` its
count against its threshold (:func:`score_excess`), ``new_term`` a fixed score.
The detector combines the rules that fired (noisy-or) into a level, so two
rules each too weak to signal alone can signal together.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rasd.errors import DataError
from rasd.escalation.explain import (describe_ratio, describe_span, describe_window, join_words, list_reports,
                                     plural)
from rasd.schema import SIGNAL_KEY_TYPES


@dataclass(frozen=True, slots=True)
class Option:
    """One option a rule type accepts."""

    type: type | tuple[type, ...]
    default: Any = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class StoryView:
    """One story as a rule sees it: near-duplicates from several outlets count once, at their heaviest.

    Attributes:
        id: the story id (its first report's id).
        weight: the heaviest weight of its reports; violent: one of them reports violence.
        report_ids: its reports.
        indicators: names of its escalatory indicators; indicator_weight: their weight.
        share: the share of its located places in the key's governorate (1.0 for an actor pair).
    """

    id: str
    weight: float
    violent: bool
    report_ids: tuple[str, ...]
    indicators: tuple[str, ...] = ()
    indicator_weight: float = 0.0
    share: float = 1.0

    def merge(self, other: "StoryView") -> "StoryView":
        """The same story seen in another window too (its reports straddle a window boundary)."""
        return StoryView(self.id, max(self.weight, other.weight), self.violent or other.violent,
                         tuple(dict.fromkeys(self.report_ids + other.report_ids)),
                         tuple(sorted(set(self.indicators) | set(other.indicators))),
                         max(self.indicator_weight, other.indicator_weight), max(self.share, other.share))


@dataclass(frozen=True, slots=True)
class Span:
    """One or more consecutive windows of a key, as a rule measures them (each story counted once)."""

    start: int
    windows: int
    stories: tuple[StoryView, ...] = ()

    @property
    def observed(self) -> float:
        """The severity-weighted count."""
        return round(sum(story.weight for story in self.stories), 4)

    @property
    def count(self) -> int:
        """Stories with a weight."""
        return sum(story.weight > 0 for story in self.stories)

    @property
    def violent(self) -> int:
        """Violent stories."""
        return sum(story.violent for story in self.stories)

    @property
    def report_ids(self) -> tuple[str, ...]:
        return tuple(r for story in self.stories for r in story.report_ids)

    @property
    def violent_ids(self) -> tuple[str, ...]:
        """The first report of each violent story."""
        return tuple(story.report_ids[0] for story in self.stories if story.violent)

    def join(self, later: "Span") -> "Span":
        """This span followed by the next one; a story in both counts once."""
        merged = {story.id: story for story in self.stories}
        for story in later.stories:
            merged[story.id] = merged[story.id].merge(story) if story.id in merged else story
        return Span(self.start, self.windows + later.windows, tuple(merged.values()))


@dataclass(frozen=True, slots=True)
class WindowView:
    """What a rule sees of one key in one window, and of the window before it.

    Attributes:
        key_type, key: e.g. ``"governorate"``, ``"Idlib"``.
        window_hours: the window size.
        observed: severity-weighted count (one weight per story, the heaviest of its reports).
        count: stories with a positive weight; severe, violent: severe and violent stories.
        indicators: indicator name → stories carrying it.
        indicator_weight: summed indicator weights over the stories.
        expected: the weight baseline (floored) for a window; expected_std its standard deviation.
        history_windows: windows of the key's known history (since first seen, or since the detector
            started watching when it watched before the key appeared).
        watched_windows: windows the detector has watched without a break up to this one.
        quiet_windows_before: windows since the key's last violent window (None: never violent).
        report_ids: the window's reports.
        label: the key in words, e.g. ``"Idlib"`` or ``"Hay'at Tahrir al-Sham and Syrian government forces"``.
        window_start: start of the window (epoch seconds).
        expected_events: the key's usual violent stories per window (not floored).
        expected_indicated: the key's usual stories with indicators per window (not floored).
        stories: the window's stories.
        indicator_labels: indicator name → words, e.g. ``{"ultimatum_threat": "ultimatum or threat"}``.
        previous: the window before, when the key had reports in it (rules also look at both together).
        quiet_windows_before_previous: windows from the key's last violent window before ``previous`` to
            ``previous`` (None: never violent before it).
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
    watched_windows: int
    quiet_windows_before: int | None
    report_ids: tuple[str, ...]
    label: str = ""
    window_start: int = 0
    expected_events: float = 0.0
    expected_indicated: float = 0.0
    stories: tuple[StoryView, ...] = ()
    indicator_labels: dict[str, str] = field(default_factory=dict)
    previous: Span | None = None
    quiet_windows_before_previous: int | None = None

    @property
    def name(self) -> str:
        """The key in words (its label, else the key)."""
        return self.label or self.key

    @property
    def where(self) -> str:
        """``"in Idlib"`` or ``"between HTS and Syrian government forces"``."""
        return f"between {self.name}" if self.key_type == "actor_pair" else f"in {self.name}"

    @property
    def when(self) -> str:
        """``"between 06:00 and 12:00 UTC on 12 June 2019"``."""
        return describe_window(self.window_start, int(self.window_hours * 3600))

    def current(self) -> Span:
        """This window as a span."""
        return Span(self.window_start, 1, self.stories)

    def spans(self) -> list[Span]:
        """The spans rules measure: this window, then (when the key had reports in it) the last two windows.

        A burst that straddles a window boundary shows in the two-window span.
        """
        current = self.current()
        return [current] if self.previous is None else [current, self.previous.join(current)]

    def describe_span(self, span: Span) -> str:
        """``"between 06:00 and 12:00 UTC on 12 June 2019"`` for a span's windows."""
        return describe_window(span.start, int(span.windows * self.window_hours * 3600))

    def describe_indicator(self, name: str) -> str:
        """An indicator in words, e.g. ``"truce breakdown"``."""
        return self.indicator_labels.get(name) or name.replace("_", " ")


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule fired: its name, its score in [0, 1] and why."""

    rule: str
    score: float
    reason: str


def score_excess(value: float, threshold: float, steepness: float = 2.0, at_threshold: float = 0.5) -> float:
    """``at_threshold`` at the threshold, rising towards 1 as ``value`` exceeds it.

    ``1 / (1 + k·(threshold/value)^steepness)`` with ``k = (1 - at_threshold) / at_threshold``.

    Args:
        value: e.g. an observed/expected ratio of 9.
        threshold: e.g. the rule's ratio 3.
        steepness: how fast the score rises.
        at_threshold: the score at the threshold, e.g. ``0.5``.

    Returns:
        e.g. ``0.9``.
    """
    if value <= 0:
        return 0.0
    k = (1.0 - at_threshold) / at_threshold
    return 1.0 / (1.0 + k * (threshold / value) ** steepness)


def poisson_tail(n: int, rate: float) -> float:
    """The chance of ``n`` or more events when ``rate`` are expected: ``P(X ≥ n)`` for a Poisson count.

    Args:
        n: events seen, e.g. 5 violent events.
        rate: events expected, e.g. ``1.0`` (a governorate with about four a day, per 6 h window).

    Returns:
        e.g. ``0.0037``; 1.0 for ``n <= 0``.
    """
    if n <= 0:
        return 1.0
    if rate <= 0:
        return 0.0
    term = math.exp(-rate)
    below = term
    for i in range(1, n):
        term *= rate / i
        below += term
    return max(0.0, 1.0 - below)


def score_surprise(chance: float, half_surprise: float) -> float:
    """A score from how unlikely a count is: ``s / (s + half_surprise)`` with ``s = -log10(chance)``.

    Args:
        chance: e.g. ``0.001`` (five violent events where one per window is usual).
        half_surprise: the surprise scoring 0.5, e.g. ``2`` (a chance of 1 in 100).

    Returns:
        e.g. ``0.6`` for 1 in 1,000 with ``half_surprise`` 2; 0.85 needs about 1 in 10^11.
    """
    surprise = -math.log10(max(chance, 1e-300))
    return surprise / (surprise + half_surprise) if surprise > 0 else 0.0


def describe_chance(p: float) -> str:
    """``0.00043`` → ``"about 1 in 2,300"``; below one in a million → ``"less than 1 in a million"``."""
    if p <= 1e-6:
        return "less than 1 in a million"
    odds = 1.0 / p
    digits = max(0, len(str(int(odds))) - 2)
    return f"about 1 in {round(odds, -digits):,.0f}"


def describe_rate(rate: float) -> str:
    """A rate with the digits that matter: ``0.0412`` → ``"0.04"``, ``0.125`` → ``"0.13"``, ``3.24`` → ``"3.2"``."""
    if rate >= 10:
        return f"{rate:.0f}"
    if rate >= 1:
        return f"{rate:.1f}"
    return f"{rate:.2f}" if rate >= 0.01 else f"{rate:.1g}"


def describe_events(count: int, violent: int) -> str:
    """``"3 violent events"``, ``"4 events, 3 of them violent"`` or ``"2 events, none violent"``."""
    if violent == count:
        return plural(violent, "violent event")
    if violent == 0:
        return f"{plural(count, 'event')}, none violent"
    return f"{plural(count, 'event')}, {violent} of them violent"


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
            if (isinstance(value, bool) and spec.type is not bool) or not isinstance(value, spec.type):
                raise DataError(f"rule {name!r} ({self.type_name}): option {option!r} must be {spec.type}, "
                                f"not {value!r}")
            setattr(self, option, value)

    def applies_to(self, key_type: str) -> bool:
        return key_type in self.key_types

    def evaluate(self, view: WindowView) -> RuleHit | None:  # pragma: no cover - abstract
        raise NotImplementedError


_NUMBER = (int, float)


class SpikeRule(Rule):
    """More than the key's own baseline: ``ratio`` times its usual weight, and unlikely by chance.

    Measured on the window and on the last two windows together (a burst straddling a boundary). The
    weight must be at least ``ratio`` times the baseline (and ``min_observed``), with ``min_count``
    events of which ``min_violent`` violent, and that many violent events must be unlikely for the key:
    a Poisson chance of at most ``max_p`` given its usual violent events per window (floored at
    ``min_rate``), so a busy governorate's ordinary ups and downs stay quiet. Keys with less than
    ``min_history_windows`` windows of history have no baseline worth comparing to. The score grows
    with how unlikely the count is (:func:`score_surprise`): 0.5 at a chance of 1 in 10^``half_surprise``.
    """

    type_name = "spike"
    options_spec = {"ratio": Option(_NUMBER, required=True), "min_observed": Option(_NUMBER, 0.0),
                    "min_count": Option(int, 1), "min_violent": Option(int, 0),
                    "min_history_windows": Option(int, 0), "max_p": Option(_NUMBER, 1.0),
                    "min_rate": Option(_NUMBER, 0.05), "half_surprise": Option(_NUMBER, 2.0)}

    def evaluate(self, view: WindowView) -> RuleHit | None:
        if view.history_windows < self.min_history_windows:
            return None
        best: RuleHit | None = None
        for span in view.spans():
            expected = view.expected * span.windows
            ratio = span.observed / expected
            chance = poisson_tail(span.violent, max(view.expected_events, self.min_rate) * span.windows)
            if (ratio < self.ratio or span.observed < self.min_observed or span.count < self.min_count
                    or span.violent < self.min_violent or chance > self.max_p):
                continue
            per = "window" if span.windows == 1 else f"{span.windows * view.window_hours:g} hours"
            reason = (f"{describe_events(span.count, span.violent)} {view.where} {view.describe_span(span)} "
                      f"(weight {span.observed:.1f}) against a baseline of {expected:.1f} per {per} — "
                      f"{describe_ratio(ratio)}, a chance of {describe_chance(chance)} for this key; "
                      f"{list_reports(span.report_ids)}")
            hit = RuleHit(self.name, score_surprise(chance, self.half_surprise), reason)
            if best is None or hit.score > best.score:
                best = hit
        return best


class FrequencyRule(Rule):
    """At least ``num_events`` violent events (distinct stories) in one window of a key with no baseline yet.

    Applies while the key has less than ``max_history_windows`` windows of history (a cold start, a key
    never seen before) and its baseline is at most ``max_expected``; afterwards ``spike`` judges it
    against its own baseline.
    """

    type_name = "frequency"
    options_spec = {"num_events": Option(int, required=True), "max_expected": Option(_NUMBER, 1e9),
                    "max_history_windows": Option(int, 1_000_000_000), "at_threshold": Option(_NUMBER, 0.5)}

    def evaluate(self, view: WindowView) -> RuleHit | None:
        if (view.violent < self.num_events or view.expected > self.max_expected
                or view.history_windows >= self.max_history_windows):
            return None
        history = ("a key with no history yet" if view.history_windows == 0 else
                   f"a key with only {describe_span(view.history_windows, view.window_hours)} of history")
        reason = (f"{plural(view.violent, 'violent event')} {view.where} {view.when}, for {history} "
                  f"({self.num_events} or more in one window count as unusual until it has a baseline); "
                  f"{list_reports(view.current().violent_ids or view.report_ids)}")
        return RuleHit(self.name, score_excess(view.violent, self.num_events, at_threshold=self.at_threshold),
                       reason)


class NewTermRule(Rule):
    """Violence for a key with none in its last ``quiet_windows`` windows: a new violent dyad, a quiet area.

    The detector must have watched, without a break, for ``quiet_windows`` windows, so a cold start does
    not call every key new. At least ``min_violent`` violent events are needed in the window. With
    ``first_only`` only a key never violent before counts (a dyad fighting for the first time, not one
    fighting again after a lull).
    """

    type_name = "new_term"
    options_spec = {"quiet_windows": Option(int, required=True), "min_violent": Option(int, 1),
                    "first_only": Option(bool, False), "score": Option(_NUMBER, 0.6)}

    def evaluate(self, view: WindowView) -> RuleHit | None:
        if view.watched_windows < self.quiet_windows:
            return None
        candidates = [(view.current(), view.quiet_windows_before)]
        if view.previous is not None and view.previous.violent:  # violence that began in the window before
            candidates.append((view.previous.join(view.current()), view.quiet_windows_before_previous))
        for span, quiet_before in candidates:
            quiet = quiet_before is None or (quiet_before >= self.quiet_windows and not self.first_only)
            if span.violent < self.min_violent or not quiet:
                continue
            watched = view.watched_windows - span.windows + 1
            if quiet_before is None or quiet_before > watched:
                since = f"in the {describe_span(watched, view.window_hours)} watched"
            else:
                since = f"in {describe_span(quiet_before, view.window_hours)}"
            reason = (f"the first violence {view.where} {since}: {plural(span.violent, 'violent event')} "
                      f"{view.describe_span(span)}; {list_reports(span.violent_ids or span.report_ids)}")
            return RuleHit(self.name, float(self.score), reason)
        return None


class IndicatorRule(Rule):
    """Mobilisation, ultimatums, truce breakdowns ...: reports that warn of escalation, more than usual.

    A story counts when it carries one of ``names`` (any indicator when empty) and at least
    ``min_share`` of its located places lie in the key's governorate (a regional overview naming four
    governorates in passing warns of none in particular). Measured on the window and on the last two
    windows together, the rule fires when at least ``min_reports`` stories count, or one strong one —
    an indicator weight of ``strong_weight`` or more, a story reporting violence adding
    ``violent_bonus`` (mobilisation with an offensive being prepared; a ceasefire that collapsed into
    fighting, not a routine "response to violations"), or one of the ``strong`` names; a strong story
    counts as ``min_reports`` — and that many is
    unlikely for the key: a Poisson chance of at most ``max_p`` given its usual stories with
    indicators per window (floored at ``min_rate``). An area where truce violations are reported every
    day therefore needs more than the usual two reports. The score grows with how unlikely the count
    is (:func:`score_surprise`).
    """

    type_name = "indicator"
    options_spec = {"min_reports": Option(int, 2), "names": Option(list, []), "strong": Option(list, []),
                    "strong_weight": Option(_NUMBER, 1e9), "violent_bonus": Option(_NUMBER, 0.0),
                    "min_share": Option(_NUMBER, 0.0),
                    "max_p": Option(_NUMBER, 1.0), "min_rate": Option(_NUMBER, 0.05),
                    "half_surprise": Option(_NUMBER, 1.5)}

    def evaluate(self, view: WindowView) -> RuleHit | None:
        best: RuleHit | None = None
        for span in view.spans():
            hit = self._evaluate_span(view, span)
            if hit is not None and (best is None or hit.score > best.score):
                best = hit
        return best

    def _evaluate_span(self, view: WindowView, span: Span) -> RuleHit | None:
        stories = [(story.report_ids[0], [n for n in story.indicators if not self.names or n in self.names],
                    story.indicator_weight + (self.violent_bonus if story.violent else 0.0))
                   for story in span.stories if story.indicators and story.share >= self.min_share]
        stories = [story for story in stories if story[1]]
        if not stories:
            return None
        strong = [rid for rid, names, w in stories if w >= self.strong_weight or set(names) & set(self.strong)]
        effective = len(stories) + (self.min_reports - 1 if strong else 0)
        usual = max(view.expected_indicated, self.min_rate) * span.windows
        chance = poisson_tail(effective, usual)
        if effective < self.min_reports or chance > self.max_p:
            return None
        named = Counter(name for _, names, _ in stories for name in names)
        ordered = sorted(named.items(), key=lambda kv: (-kv[1], kv[0]))
        if len(stories) == 1:
            what = f"{join_words([view.describe_indicator(name) for name, _ in ordered])} in one report"
        else:
            what = join_words([f"{view.describe_indicator(name)} in {plural(n, 'report')}" for name, n in ordered])
        per = "window" if span.windows == 1 else f"{span.windows * view.window_hours:g} hours"
        strength = " (a strong warning on its own)" if len(stories) < self.min_reports else ""
        reason = (f"{what}{strength} {view.where} {view.describe_span(span)}, where {describe_rate(usual)} such "
                  f"{'report is' if usual == 1 else 'reports are'} usual per {per} — a chance of "
                  f"{describe_chance(chance)}; {list_reports([rid for rid, _, _ in stories])}")
        return RuleHit(self.name, score_surprise(chance, self.half_surprise), reason)


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
