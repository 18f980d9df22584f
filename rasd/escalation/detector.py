"""Where escalation is detected: per governorate and per actor pair, over tumbling event-time windows.

:meth:`EscalationDetector.observe` takes one enriched report, adds its weight
(:mod:`rasd.escalation.weights`) to the window of each of its keys — every
governorate its places lie in, and every pair of combatant actors it names
(``"hts|syr-gov-forces"``) — scores the window against the key's baseline
(:mod:`rasd.escalation.baseline`) with the configured rules
(:mod:`rasd.escalation.rules`) and returns the signals that survive
throttling (:mod:`rasd.escalation.throttle`). Near-duplicates of one story
count once per window (the heaviest of them).

State lives in a dict-like store (a plain dict, or a Faust table) of JSON
values: ``"meta"`` (when the detector started, in event time) and one
``"k:<key_type>:<key>"`` entry per key holding its retained windows, its
baseline, when it was first seen, its last violent window and its alert state.
Each entry is read, replaced and written back whole, as Faust tables require.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Any

from rasd.errors import DataError
from rasd.escalation.baseline import expected_spread, fold_through, smoothing_factor, start_baseline
from rasd.escalation.rules import Rule, RuleHit, WindowView, build_rules
from rasd.escalation.throttle import decide_throttle
from rasd.escalation.weights import ReportWeight, ReportWeighting
from rasd.escalation.windows import Timestamp, now_epoch, to_epoch, to_iso, window_start
from rasd.resources import load_json
from rasd.schema import Analysis, EnrichedReport, EscalationSignal

logger = logging.getLogger(__name__)

_NUMBER = (int, float)
_CONFIG_FIELDS = {"window_hours": _NUMBER, "half_life_windows": _NUMBER, "prior_mean": _NUMBER,
                  "min_expected": _NUMBER, "retention_windows": int, "quiet_hours": _NUMBER, "levels": dict,
                  "max_report_ids": int, "max_pair_actors": int, "rules": list}


@dataclass(frozen=True)
class DetectorConfig:
    """Windows, baseline, throttling and level thresholds (``rasd/data/escalation/detector.json``)."""

    window_hours: float = 6
    half_life_windows: float = 28
    prior_mean: float = 0.5
    min_expected: float = 0.5
    retention_windows: int = 8
    quiet_hours: float = 12
    levels: tuple[tuple[str, float], ...] = (("high", 0.85), ("medium", 0.6))
    max_report_ids: int = 200
    max_pair_actors: int = 4

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DetectorConfig":
        """Validate and build; a :class:`DataError` names the first bad field."""
        for name, kind in _CONFIG_FIELDS.items():
            if name not in data:
                raise DataError(f"escalation detector configuration lacks {name!r}")
            if isinstance(data[name], bool) or not isinstance(data[name], kind):
                raise DataError(f"escalation detector option {name!r} must be {kind}, not {data[name]!r}")
        levels = data["levels"]
        if set(levels) != {"medium", "high"} or not 0 < levels["medium"] <= levels["high"] <= 1:
            raise DataError(f"levels must be {{'medium': m, 'high': h}} with 0 < m <= h <= 1, not {levels!r}")
        fields = {name: data[name] for name in _CONFIG_FIELDS if name not in ("rules", "levels")}
        return cls(**fields, levels=(("high", levels["high"]), ("medium", levels["medium"])))

    @property
    def window_seconds(self) -> int:
        return int(self.window_hours * 3600)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the detector made of one report for one key, and why.

    Attributes:
        fired: a signal is emitted.
        reason: e.g. ``"first alert for Idlib"``, ``"suppressed: Idlib has been alerting at level high ..."``,
            ``"no rule fired"``, ``"late: ..."``, ``"replay: ..."``.
        signal: the signal (also set when suppressed, for inspection), None when no rule fired.
        hits: the rules that fired.
    """

    key_type: str
    key: str
    fired: bool
    reason: str
    signal: EscalationSignal | None = None
    hits: tuple[RuleHit, ...] = ()


def signal_id(key_type: str, key: str, start: int) -> str:
    """The deterministic id of a key's signal for one window, e.g. ``"esc-3f9a…"``."""
    digest = hashlib.blake2b(f"{key_type}|{key}|{start}".encode("utf-8"), digest_size=12).hexdigest()
    return f"esc-{digest}"


def combine_scores(hits: list[RuleHit]) -> float:
    """Noisy-or of the rules' scores: ``1 - Π(1 - s)``; two rules at their thresholds give 0.75."""
    remaining = 1.0
    for hit in hits:
        remaining *= 1.0 - min(max(hit.score, 0.0), 1.0)
    return round(1.0 - remaining, 4)


def window_totals(window: dict[str, Any]) -> dict[str, Any]:
    """The sums rules look at, over a window's stories (each story counted once, at its heaviest)."""
    stories = window["stories"].values()
    indicators: Counter[str] = Counter(name for story in stories for name in story["ind"])
    return {"observed": round(sum(s["w"] for s in stories), 4), "count": sum(s["w"] > 0 for s in stories),
            "severe": sum(s["s"] for s in stories), "violent": sum(s["v"] for s in stories),
            "indicators": dict(indicators), "indicator_weight": round(sum(s["iw"] for s in stories), 4)}


def new_window() -> dict[str, Any]:
    return {"stories": {}, "types": {}, "govs": {}, "actors": {}, "lat": 0.0, "lon": 0.0, "pts": 0}


def add_report(window: dict[str, Any], story_id: str, report_id: str, weight: ReportWeight, analysis: Analysis,
               points: list[tuple[float, float]]) -> dict[str, Any]:
    """A copy of a window with one report added (its story keeps the heaviest of its reports)."""
    stories = dict(window["stories"])
    old = stories.get(story_id) or {"w": 0.0, "v": False, "s": False, "ind": [], "iw": 0.0, "r": []}
    stories[story_id] = {"w": max(old["w"], weight.weight), "v": old["v"] or weight.violent,
                         "s": old["s"] or weight.severe, "ind": sorted(set(old["ind"]) | set(weight.indicators)),
                         "iw": max(old["iw"], weight.indicator_weight), "r": [*old["r"], report_id]}
    out = {**window, "stories": stories}
    for field, values in (("types", analysis.event_types), ("actors", [a.id for a in analysis.actors]),
                          ("govs", {p.governorate for p in analysis.places if p.governorate})):
        counts = dict(window[field])
        for value in set(values):
            counts[value] = counts.get(value, 0) + 1
        out[field] = counts
    out["lat"] = window["lat"] + sum(lat for lat, _ in points)
    out["lon"] = window["lon"] + sum(lon for _, lon in points)
    out["pts"] = window["pts"] + len(points)
    return out


class EscalationDetector:
    """Severity-weighted counts per key and window, an EWMA baseline, rules and throttling."""

    def __init__(self, config: DetectorConfig, rules: list[Rule], weighting: ReportWeighting,
                 store: MutableMapping[str, Any] | None = None):
        self.config, self.rules, self.weighting = config, rules, weighting
        self.store: MutableMapping[str, Any] = store if store is not None else {}
        self.alpha = smoothing_factor(config.half_life_windows)

    @classmethod
    def from_data(cls, store: MutableMapping[str, Any] | None = None, **overrides: Any) -> "EscalationDetector":
        """The detector configured by ``rasd/data/escalation/detector.json`` and ``weights.json``.

        Args:
            store: where state lives (a dict, a Faust table); a new dict when omitted.
            overrides: configuration fields to replace, e.g. ``window_hours=24`` or ``rules=[...]``.
        """
        data = {**load_json("escalation/detector.json"), **overrides}
        return cls(DetectorConfig.from_dict(data), build_rules(data["rules"]), ReportWeighting.from_data(), store)

    def keys_for(self, analysis: Analysis) -> list[tuple[str, str]]:
        """The keys a report counts for: its governorates, then the pairs of combatant actors it names.

        Only the ``max_pair_actors`` combatants mentioned most often (ties: first named) form pairs, so a
        long report listing every party does not open dozens of pairs.

        Args:
            analysis: e.g. of "اشتباكات بين هيئة تحرير الشام وقوات النظام في ريف إدلب".

        Returns:
            e.g. ``[("governorate", "Idlib"), ("actor_pair", "hts|syr-gov-forces")]``.
        """
        keys = [("governorate", g) for g in sorted({p.governorate for p in analysis.places if p.governorate})]
        combatants = list(dict.fromkeys(a.id for a in analysis.actors if self.weighting.is_combatant(a.kind)))
        mentions = Counter(e.canonical_id for e in analysis.entities if e.canonical_id in combatants)
        central = sorted(combatants, key=lambda actor: (-mentions[actor], combatants.index(actor)))
        chosen = sorted(central[: self.config.max_pair_actors])
        keys += [("actor_pair", f"{left}|{right}") for left, right in combinations(chosen, 2)]
        return keys

    def observe(self, enriched: EnrichedReport, processing_time: Timestamp = None) -> list[EscalationSignal]:
        """The signals one enriched report sets off (after throttling).

        Args:
            enriched: the report and its analysis; its ``published_at`` places it in a window.
            processing_time: used when the report has no ``published_at``, and as ``emitted_at``; default now.
        """
        return [d.signal for d in self.evaluate(enriched, processing_time) if d.fired and d.signal is not None]

    def evaluate(self, enriched: EnrichedReport, processing_time: Timestamp = None) -> list[Decision]:
        """One :class:`Decision` per key of the report: fired, suppressed (and why), or silent."""
        if enriched.analysis.error is not None:
            return []
        return [self.observe_key(key_type, key, enriched, processing_time)
                for key_type, key in self.keys_for(enriched.analysis)]

    def observe_key(self, key_type: str, key: str, enriched: EnrichedReport,
                    processing_time: Timestamp = None) -> Decision:
        """Count one report for one key and decide (for agents that repartition reports by key)."""
        now = to_epoch(processing_time)
        now = now_epoch() if now is None else now
        moment = to_epoch(enriched.report.published_at)
        moment = now if moment is None else moment
        size = self.config.window_seconds
        start = window_start(moment, size)
        store_key = f"k:{key_type}:{key}"
        state = self.store.get(store_key) or {"windows": {}, "base": start_baseline(start, self.config.prior_mean),
                                               "first_seen": start, "last_violent": None, "alert": None}
        self._note_start(start)
        newest = max([start, *(int(w) for w in state["windows"])])
        if start < newest - self.config.retention_windows * size or (start < state["base"]["through"]
                                                                       and state["base"]["n"]):
            return Decision(key_type, key, False, f"late: the window starting {to_iso(start)} is older than "
                            f"the {self.config.retention_windows} windows kept for {key}")
        if start < state["base"]["through"]:
            state = {**state, "base": {**state["base"], "through": start}, "first_seen": start}
        window = state["windows"].get(str(start)) or new_window()
        report_id = enriched.report.id
        if any(report_id in story["r"] for story in window["stories"].values()):
            return Decision(key_type, key, False, f"replay: report {report_id} is already counted for {key}")
        weight = self.weighting.weigh(enriched.analysis)
        window = add_report(window, enriched.story_id or report_id, report_id, weight, enriched.analysis,
                            self._points(key_type, key, enriched.analysis))
        state = self._retain({**state, "windows": {**state["windows"], str(start): window}})
        decision, alert = self._decide(key_type, key, state, start, moment, now)
        self.store[store_key] = {**state, "alert": alert}
        logger.debug("escalation key=%s:%s window=%s fired=%s reason=%s", key_type, key, to_iso(start),
                     decision.fired, decision.reason)
        return decision

    def _note_start(self, start: int) -> None:
        meta = self.store.get("meta")
        if meta is None or start < meta["started"]:
            self.store["meta"] = {**(meta or {}), "started": start}

    def _points(self, key_type: str, key: str, analysis: Analysis) -> list[tuple[float, float]]:
        """Coordinates of the report's places that belong to the key (its governorate, or all for a pair)."""
        return [(p.lat, p.lon) for p in analysis.places if p.lat is not None and p.lon is not None
                and (key_type != "governorate" or p.governorate == key)]

    def _weight_of(self, windows: dict[str, Any]) -> Callable[[int], float]:
        return lambda start: window_totals(windows[str(start)])["observed"] if str(start) in windows else 0.0

    def _retain(self, state: dict[str, Any]) -> dict[str, Any]:
        """Fold the windows older than the retention period into the baseline and drop them."""
        size = self.config.window_seconds
        windows = state["windows"]
        cutoff = max(int(w) for w in windows) - self.config.retention_windows * size
        expired = [w for w in windows if int(w) < cutoff]
        if not expired:
            return state
        base = fold_through(state["base"], cutoff, size, self.alpha, self._weight_of(windows))
        violent = [int(w) for w in expired if any(s["v"] for s in windows[w]["stories"].values())]
        last_violent = max([*violent, *([state["last_violent"]] if state["last_violent"] is not None else [])],
                           default=None)
        kept = {w: value for w, value in windows.items() if w not in expired}
        return {**state, "windows": kept, "base": base, "last_violent": last_violent}

    def _view(self, key_type: str, key: str, state: dict[str, Any], start: int) -> WindowView:
        size = self.config.window_seconds
        windows = state["windows"]
        totals = window_totals(windows[str(start)])
        base = fold_through(state["base"], start, size, self.alpha, self._weight_of(windows))
        expected, spread = expected_spread(base, self.config.min_expected)
        earlier_violent = [int(w) for w, value in windows.items()
                           if int(w) < start and any(s["v"] for s in value["stories"].values())]
        last_violent = max(earlier_violent, default=state["last_violent"])
        meta = self.store.get("meta") or {"started": start}
        return WindowView(
            key_type=key_type, key=key, window_hours=self.config.window_hours, observed=totals["observed"],
            count=totals["count"], severe=totals["severe"], violent=totals["violent"],
            indicators=totals["indicators"], indicator_weight=totals["indicator_weight"], expected=expected,
            expected_std=spread, history_windows=(start - state["first_seen"]) // size,
            detector_windows=(start - meta["started"]) // size,
            quiet_windows_before=None if last_violent is None else (start - last_violent) // size,
            report_ids=tuple(r for story in windows[str(start)]["stories"].values() for r in story["r"]),
        )

    def _level(self, score: float) -> str:
        return next((level for level, bar in self.config.levels if score >= bar), "low")

    def _decide(self, key_type: str, key: str, state: dict[str, Any], start: int, moment: float,
                now: float) -> tuple[Decision, dict[str, Any] | None]:
        view = self._view(key_type, key, state, start)
        hits = [hit for rule in self.rules if rule.applies_to(key_type) and (hit := rule.evaluate(view))]
        if not hits:
            return Decision(key_type, key, False, "no rule fired"), state["alert"]
        score = combine_scores(hits)
        level = self._level(score)
        sid = signal_id(key_type, key, start)
        throttle = decide_throttle(state["alert"], key, level, moment, sid, self.config.quiet_hours * 3600)
        signal = self._signal(key_type, key, state["windows"][str(start)], view, start, hits, score, level, now)
        signal = replace(signal, reasons=(*signal.reasons, throttle.reason))
        return Decision(key_type, key, throttle.fire, throttle.reason, signal, tuple(hits)), throttle.alert

    def _signal(self, key_type: str, key: str, window: dict[str, Any], view: WindowView, start: int,
                hits: list[RuleHit], score: float, level: str, now: float) -> EscalationSignal:
        actors = (tuple(key.split("|")) if key_type == "actor_pair"
                  else tuple(a for a, _ in Counter(window["actors"]).most_common(10)))
        location = ({"lat": round(window["lat"] / window["pts"], 5), "lon": round(window["lon"] / window["pts"], 5)}
                    if window["pts"] else None)
        return EscalationSignal(
            id=signal_id(key_type, key, start), key=key, key_type=key_type, window_start=to_iso(start),
            window_end=to_iso(start + self.config.window_seconds), observed=view.observed,
            expected=round(view.expected, 4), score=score, level=level, reasons=tuple(h.reason for h in hits),
            rules=tuple(h.rule for h in hits), report_ids=view.report_ids[: self.config.max_report_ids],
            emitted_at=to_iso(now), governorate=key if key_type == "governorate" else None, actor_ids=actors,
            governorates=tuple(sorted(window["govs"])), event_types=tuple(sorted(window["types"])),
            location=location,
        )
