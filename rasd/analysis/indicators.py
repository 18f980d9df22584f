"""Report-level escalation indicators and an explainable escalation score.

Named signals (``data/lexicons/escalation.json``):

- escalation: ``mobilisation``, ``offensive_preparation``, ``new_fighting``,
  ``heavy_weapons``, ``mass_casualties``, ``ultimatum_threat``, ``truce_breakdown``;
- de-escalation: ``talks``, ``truce``, ``agreement``, ``displaced_return``.

A signal is raised by the report's detected events (a build-up event is
``mobilisation``, any fighting event is ``new_fighting``), by its own trigger
patterns, or, for ``mass_casualties``, by the casualty counts. Each signal
carries the sentence fragment that raised it as evidence.

The score is ``E / (E + D + prior)``: ``E`` and ``D`` are the summed weights of
the escalation and de-escalation signals present, each counted once, and the
prior keeps one weak signal from saturating it. A report is escalatory when
its score exceeds the threshold (a tie is not escalatory). Weights, prior and threshold are data.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rasd.analysis.casualties import KILLED, INJURED, extract_casualties
from rasd.analysis.events import (
    Morphology,
    PatternSet,
    analyse_text,
    prune_matches,
    scan_cues,
)
from rasd.errors import DataError
from rasd.resources import load_json
from rasd.schema import EVENT_TYPES, Escalation, Event, Signal

ESCALATION_LEXICON = "lexicons/escalation.json"

ESCALATION = "escalation"
DE_ESCALATION = "de-escalation"

_SENTENCE_END_CHARS = ".!?؟\n"
_EVIDENCE_MAX = 160
_EVIDENCE_SIDE = 70


@dataclass(frozen=True, slots=True)
class SignalRule:
    """One signal of ``escalation.json``."""

    name: str
    polarity: str
    weight: float
    from_events: frozenset[str]
    factual: bool


class EscalationScorer:
    """Finds the escalation signals of a report and scores them."""

    def __init__(
        self,
        rules: Sequence[SignalRule],
        patterns: PatternSet,
        threshold: float,
        prior: float,
        killed_min: int | None,
        injured_min: int | None,
    ):
        self.rules = {rule.name: rule for rule in rules}
        self.order = [rule.name for rule in rules]
        # event type -> the rules it raises, in the lexicon's order
        self._rules_by_event: dict[str, tuple[SignalRule, ...]] = {
            event_type: tuple(rule for rule in self.rules.values() if event_type in rule.from_events)
            for event_type in {event_type for rule in self.rules.values() for event_type in rule.from_events}
        }
        self.patterns = patterns
        self.threshold = threshold
        self.prior = prior
        self.killed_min = killed_min
        self.injured_min = injured_min

    @classmethod
    def from_data(cls) -> "EscalationScorer":
        """The scorer built from the bundled lexicon (compiled once per process)."""
        return _load_scorer()

    def find_signals(self, text: str, events: Iterable[Event], killed: int | None, injured: int | None) -> list[Signal]:
        """The signals of a report, one per name, in the lexicon's order.

        Args:
            text: the report as written.
            events: its detected events.
            killed: its killed count, or None.
            injured: its injured count, or None.

        Returns:
            The signals with their evidence fragments.
        """
        found: dict[str, Signal] = {}
        for event in sorted(events, key=lambda e: e.start):
            for rule in self._rules_by_event.get(event.type, ()):
                if rule.name not in found:
                    found[rule.name] = Signal(rule.name, evidence_fragment(text, event.start, event.end))
        analysed = analyse_text(text)
        scan = scan_cues(text)
        tokens = analysed.tokens
        for match in prune_matches(self.patterns.find(analysed), analysed):
            rule = self.rules[match.label]
            if rule.name in found or (rule.factual and not scan.is_factual(match)):
                continue
            start, end = tokens[match.first].start, tokens[match.last].end
            found[rule.name] = Signal(rule.name, evidence_fragment(text, start, end))
        if "mass_casualties" in self.rules and "mass_casualties" not in found:
            evidence = self._mass_casualty_evidence(text, killed, injured)
            if evidence is not None:
                found["mass_casualties"] = Signal("mass_casualties", evidence)
        return [found[name] for name in self.order if name in found]

    def _mass_casualty_evidence(self, text: str, killed: int | None, injured: int | None) -> str | None:
        heavy_killed = killed is not None and self.killed_min is not None and killed >= self.killed_min
        heavy_injured = injured is not None and self.injured_min is not None and injured >= self.injured_min
        if not (heavy_killed or heavy_injured):
            return None
        kind = KILLED if heavy_killed else INJURED
        mentions = [m for m in extract_casualties(text).mentions if m.kind == kind]
        if mentions:
            best = max(mentions, key=lambda m: m.count)
            tokens = analyse_text(text).tokens
            return evidence_fragment(text, tokens[best.first].start, tokens[best.last].end)
        return f"{kind}: {killed if heavy_killed else injured}"

    def score(self, signals: Iterable[Signal]) -> float:
        """``E / (E + D + prior)`` over the distinct signal names, in [0, 1].

        Args:
            signals: the report's signals.

        Returns:
            The score, rounded to three decimals.

        Example:
            >>> scorer = EscalationScorer.from_data()
            >>> scorer.score([Signal("truce", "هدنة")])
            0.0
        """
        names = {signal.name for signal in signals if signal.name in self.rules}
        up = sum(self.rules[n].weight for n in names if self.rules[n].polarity == ESCALATION)
        down = sum(self.rules[n].weight for n in names if self.rules[n].polarity == DE_ESCALATION)
        if up <= 0:
            return 0.0
        return round(up / (up + down + self.prior), 3)

    def assess(self, text: str, events: Iterable[Event], killed: int | None, injured: int | None) -> Escalation:
        """Signals, score and verdict of one report (see :func:`score_escalation`)."""
        signals = self.find_signals(text, events, killed, injured)
        value = self.score(signals)
        return Escalation(score=value, escalatory=value > self.threshold, signals=tuple(signals))


def evidence_fragment(text: str, start: int, end: int) -> str:
    """The sentence around a trigger, trimmed to a readable fragment.

    Args:
        text: the report as written.
        start: trigger start offset.
        end: trigger end offset.

    Returns:
        The sentence containing ``text[start:end]``; when longer than 160
        characters, about 70 characters each side of the trigger, cut at spaces.

    Example:
        >>> evidence_fragment("خبر أول. استقدمت قوات النظام تعزيزات إلى ريف إدلب. خبر آخر", 30, 37)
        'استقدمت قوات النظام تعزيزات إلى ريف إدلب'
    """
    left = max(text.rfind(char, 0, start) for char in _SENTENCE_END_CHARS) + 1
    right = min((i for i in (text.find(char, end) for char in _SENTENCE_END_CHARS) if i >= 0), default=len(text))
    if right - left > _EVIDENCE_MAX:
        lo = max(left, start - _EVIDENCE_SIDE)
        hi = min(right, end + _EVIDENCE_SIDE)
        if lo > left:
            space = text.find(" ", lo, start)
            lo = space + 1 if space != -1 else lo
        if hi < right:
            space = text.rfind(" ", end, hi)
            hi = space if space != -1 else hi
        left, right = lo, hi
    return text[left:right].strip(" \t\r\n،,:؛")


@functools.lru_cache(maxsize=1)
def _load_scorer() -> EscalationScorer:
    data = load_json(ESCALATION_LEXICON)
    try:
        rules: list[SignalRule] = []
        entries: dict[str, list[Any]] = {}
        for name, spec in data["signals"].items():
            polarity = spec["polarity"]
            if polarity not in (ESCALATION, DE_ESCALATION):
                raise DataError(f"{ESCALATION_LEXICON}: signal {name!r} has polarity {polarity!r}")
            unknown = set(spec.get("from_events", ())) - set(EVENT_TYPES)
            if unknown:
                raise DataError(f"{ESCALATION_LEXICON}: signal {name!r} names unknown event types {sorted(unknown)}")
            rules.append(
                SignalRule(
                    name=name,
                    polarity=polarity,
                    weight=float(spec["weight"]),
                    from_events=frozenset(spec.get("from_events", ())),
                    factual=bool(spec.get("factual", True)),
                )
            )
            entries[name] = list(spec.get("patterns", ()))
        mass = data.get("mass_casualties", {})
        return EscalationScorer(
            rules,
            PatternSet.compile(entries, Morphology.from_data()),
            threshold=float(data["threshold"]),
            prior=float(data["prior"]),
            killed_min=mass.get("killed_min"),
            injured_min=mass.get("injured_min"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"{ESCALATION_LEXICON}: malformed ({exc})") from exc


def score_escalation(
    text: str, events: Sequence[Event], killed: int | None, injured: int | None
) -> Escalation:
    """Escalation indicators of one report, a score in [0, 1] and a verdict.

    Args:
        text: the report as written.
        events: its events (:func:`rasd.analysis.events.detect_events`).
        killed: its killed count (:func:`rasd.analysis.casualties.count_casualties`).
        injured: its injured count.

    Returns:
        An :class:`~rasd.schema.Escalation` whose signals name what raised the
        score, each with the sentence fragment it came from.

    Example:
        >>> from rasd.analysis.events import detect_events
        >>> text = "استقدمت قوات النظام تعزيزات عسكرية تمهيداً لعملية عسكرية في ريف إدلب"
        >>> esc = score_escalation(text, detect_events(text), None, None)
        >>> esc.escalatory, [s.name for s in esc.signals]
        (True, ['mobilisation', 'offensive_preparation'])
    """
    return EscalationScorer.from_data().assess(text, events, killed, injured)
