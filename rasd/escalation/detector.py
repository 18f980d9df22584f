"""Where escalation is detected: per governorate and per actor pair, over tumbling event-time windows.

:meth:`EscalationDetector.observe` takes one enriched report, adds its weight
(:mod:`rasd.escalation.weights`) to the window of each of its keys — every
governorate its places lie in, and every pair of adversaries it names
(``"hts|syr-gov-forces"``; sides from :mod:`rasd.escalation.sides`) — scores
the window against the key's own baseline (:mod:`rasd.escalation.baseline`)
with the configured rules (:mod:`rasd.escalation.rules`), and returns the
signals that reach ``min_level_to_emit`` and survive throttling
(:mod:`rasd.escalation.throttle`). Hits below that level are recorded in the
key's score trail, not emitted. Near-duplicates of one story count once per
window (the heaviest of them).

State lives in a dict-like store (a plain dict, or a Faust table) of JSON
values: ``"meta"`` (when the detector started and since when it has watched
without a break, in event time) and one ``"k:<key_type>:<key>"`` entry per
key holding its retained windows, its baselines (weight and indicators), when
it was first seen, its last violent window, its alert state and its score
trail. Each entry is read, replaced and written back whole, as Faust tables
require.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from rasd.errors import DataError
from rasd.escalation.baseline import (backfill_baseline, expected_spread, fold_through, smoothing_factor,
                                      start_baseline)
from rasd.escalation.rules import Rule, RuleHit, Span, StoryView, WindowView, build_rules
from rasd.escalation.sides import SideTable
from rasd.escalation.throttle import decide_throttle
from rasd.escalation.weights import SEVERITIES, ReportWeight, ReportWeighting, rank_severity
from rasd.escalation.windows import Timestamp, now_epoch, to_epoch, to_iso, window_start
from rasd.resources import load_json
from rasd.schema import Analysis, EnrichedReport, EscalationSignal

logger = logging.getLogger(__name__)

_NUMBER = (int, float)
_CONFIG_FIELDS = {"window_hours": _NUMBER, "half_life_windows": _NUMBER, "prior_mean": _NUMBER,
                  "prior_events": _NUMBER, "prior_indicated": _NUMBER,
                  "min_expected": _NUMBER, "retention_windows": int, "quiet_hours": _NUMBER, "levels": dict,
                  "min_level_to_emit": str, "max_report_ids": int, "max_pair_actors": int, "max_side_actors": int,
                  "max_gap_hours": _NUMBER, "backfill_windows": int, "trail_windows": int, "rules": list}


@dataclass(frozen=True)
class DetectorConfig:
    """Windows, baseline, throttling, levels and pairs (``rasd/data/escalation/detector.json``).

    Attributes:
        window_hours: tumbling window size.
        half_life_windows: the EWMA baseline forgets with this half-life.
        prior_mean: the weight baseline of a key with no history; prior_events, prior_indicated: its
            violent stories and stories with indicators per window.
        min_expected: the floor of the expected weight (ratios stay finite).
        retention_windows: windows kept per key before they are folded into the baseline.
        quiet_hours: a key re-alerts after this long without hits.
        levels: score bars, highest first.
        min_level_to_emit: lower hits are recorded in the key's trail, not emitted.
        max_report_ids: report ids carried by a signal.
        max_pair_actors: adversaries of one report that form pairs; max_side_actors: of them, per side.
        max_gap_hours: a stream silent for longer is a break in watching (a cold start follows).
        backfill_windows: at most this many watched windows count as zeros in a new key's baseline.
        trail_windows: windows of score history kept per key.
    """

    window_hours: float = 6
    half_life_windows: float = 28
    prior_mean: float = 0.5
    prior_events: float = 0.2
    prior_indicated: float = 0.05
    min_expected: float = 0.5
    retention_windows: int = 8
    quiet_hours: float = 24
    levels: tuple[tuple[str, float], ...] = (("high", 0.85), ("medium", 0.6))
    min_level_to_emit: str = "medium"
    max_report_ids: int = 200
    max_pair_actors: int = 4
    max_side_actors: int = 2
    max_gap_hours: float = 48
    backfill_windows: int = 112
    trail_windows: int = 28

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
        if data["min_level_to_emit"] not in SEVERITIES:
            raise DataError(f"min_level_to_emit must be one of {SEVERITIES}, not {data['min_level_to_emit']!r}")
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
        reason: e.g. ``"first signal for Idlib"``, ``"held back: Idlib has been signalling at level high ..."``,
            ``"recorded, not emitted: ..."``, ``"no rule fired"``, ``"late: ..."``, ``"replay: ..."``.
        signal: the signal (also set when held back by throttling, for inspection); None when no rule
            fired or the level is below ``min_level_to_emit``.
        hits: the rules that fired.
        level: the level of the hits, None when no rule fired.
    """

    key_type: str
    key: str
    fired: bool
    reason: str
    signal: EscalationSignal | None = None
    hits: tuple[RuleHit, ...] = ()
    level: str | None = None


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
            "indicators": dict(indicators), "indicator_weight": round(sum(s["iw"] for s in stories), 4),
            "indicated": sum(bool(s["ind"]) and s["iw"] > 0 for s in stories)}


# The baselines a key keeps: state field → the window total it averages.
BASELINES = {"base": "observed", "vbase": "violent", "ibase": "indicated"}


def span_of(window: dict[str, Any], start: int) -> Span:
    """A stored window as a rule's :class:`~rasd.escalation.rules.Span`."""
    return Span(start, 1, tuple(StoryView(story_id, story["w"], story["v"], tuple(story["r"]), tuple(story["ind"]),
                                          story["iw"], story.get("sh", 1.0))
                                for story_id, story in window["stories"].items()))


def new_window() -> dict[str, Any]:
    return {"stories": {}, "types": {}, "govs": {}, "actors": {}, "lat": 0.0, "lon": 0.0, "pts": 0}


def add_report(window: dict[str, Any], story_id: str, report_id: str, weight: ReportWeight, analysis: Analysis,
               points: list[tuple[float, float]], actor_ids: list[str], share: float = 1.0) -> dict[str, Any]:
    """A copy of a window with one report added (its story keeps the heaviest of its reports).

    Args:
        window: the key's window, e.g. ``new_window()``.
        story_id: the report's story (near-duplicates share it).
        report_id: e.g. ``"sohr-1"``.
        weight: the report's weight.
        analysis: its analysis (event types and governorates are tallied).
        points: its coordinates that belong to the key.
        actor_ids: the combatants it names, e.g. ``["syr-gov-forces", "hts"]`` (for قوات النظام، الهيئة).
        share: the share of its located places that lie in the key's governorate (1.0 for a pair).
    """
    stories = dict(window["stories"])
    old = stories.get(story_id) or {"w": 0.0, "v": False, "s": False, "ind": [], "iw": 0.0, "sh": 0.0, "r": []}
    stories[story_id] = {"w": max(old["w"], weight.weight), "v": old["v"] or weight.violent,
                         "s": old["s"] or weight.severe, "ind": sorted(set(old["ind"]) | set(weight.indicators)),
                         "iw": max(old["iw"], weight.indicator_weight), "sh": max(old.get("sh", 1.0), share),
                         "r": [*old["r"], report_id]}
    out = {**window, "stories": stories}
    for field, values in (("types", analysis.event_types), ("actors", actor_ids),
                          ("govs", [p.governorate for p in analysis.places if p.governorate])):
        counts = dict(window[field])
        for value in dict.fromkeys(values):  # in order, so ties rank the same on every run
            counts[value] = counts.get(value, 0) + 1
        out[field] = counts
    out["lat"] = window["lat"] + sum(lat for lat, _ in points)
    out["lon"] = window["lon"] + sum(lon for _, lon in points)
    out["pts"] = window["pts"] + len(points)
    return out


def select_adversaries(ranked: list[tuple[str, str]], max_actors: int, max_per_side: int) -> list[tuple[str, str]]:
    """The actors that form pairs: the most central ones, at most ``max_per_side`` per side.

    Args:
        ranked: ``(actor id, side)`` most mentioned first, e.g.
            ``[("syr-gov-forces", "government"), ("rus-forces", "government"), ("hts", "opposition")]``.
        max_actors: at most this many in all.
        max_per_side: at most this many of one side.

    Returns:
        The chosen ``(actor id, side)``, in ranked order.
    """
    chosen: list[tuple[str, str]] = []
    per_side: Counter[str] = Counter()
    for actor, side in ranked:
        if len(chosen) == max_actors:
            break
        if per_side[side] < max_per_side:
            chosen.append((actor, side))
            per_side[side] += 1
    return chosen


class EscalationDetector:
    """Severity-weighted counts per key and window, EWMA baselines, rules, levels and throttling."""

    def __init__(self, config: DetectorConfig, rules: list[Rule], weighting: ReportWeighting,
                 store: MutableMapping[str, Any] | None = None, sides: SideTable | None = None):
        self.config, self.rules, self.weighting = config, rules, weighting
        self.store: MutableMapping[str, Any] = store if store is not None else {}
        self.alpha = smoothing_factor(config.half_life_windows)
        self._sides = sides

    @classmethod
    def from_data(cls, store: MutableMapping[str, Any] | None = None, **overrides: Any) -> "EscalationDetector":
        """The detector configured by ``rasd/data/escalation/detector.json``, ``weights.json`` and ``sides.json``.

        Args:
            store: where state lives (a dict, a Faust table); a new dict when omitted.
            overrides: configuration fields to replace, e.g. ``window_hours=24`` or ``rules=[...]``.
        """
        data = {**load_json("escalation/detector.json"), **overrides}
        return cls(DetectorConfig.from_dict(data), build_rules(data["rules"]), ReportWeighting.from_data(), store)

    @property
    def sides(self) -> SideTable:
        """The side table (loaded on first use: only :meth:`keys_for` needs it)."""
        if self._sides is None:
            self._sides = SideTable.from_data()
        return self._sides

    def keys_for(self, analysis: Analysis) -> list[tuple[str, str]]:
        """The keys a report counts for: its governorates, then the pairs of adversaries it names.

        Actors are taken under the id they are reported as, and only combatants with a side count
        (:class:`~rasd.escalation.sides.SideTable`); two actors form a pair only when their sides fight
        each other. The ``max_pair_actors`` combatants mentioned most often (ties: first named), at most
        ``max_side_actors`` of one side, form pairs, so a long report listing every party does not open
        dozens of pairs.

        Args:
            analysis: e.g. of "اشتباكات بين هيئة تحرير الشام وقوات النظام في ريف إدلب بمتابعة المرصد السوري".

        Returns:
            e.g. ``[("governorate", "Idlib"), ("actor_pair", "hts|syr-gov-forces")]`` (the monitor forms no pair).
        """
        keys = [("governorate", g) for g in sorted({p.governorate for p in analysis.places if p.governorate})]
        sided: dict[str, str] = {}
        for actor in analysis.actors:
            side = self.sides.side_of(actor.id)
            reported = self.sides.reported_id(actor.id)
            if side is not None and reported is not None:
                sided.setdefault(reported, side)
        if len({*sided.values()}) < 2:
            return keys
        order = list(sided)
        mentions = Counter(self.sides.reported_id(e.canonical_id) for e in analysis.entities if e.canonical_id)
        ranked = sorted(sided.items(), key=lambda item: (-mentions[item[0]], order.index(item[0])))
        chosen = select_adversaries(ranked, self.config.max_pair_actors, self.config.max_side_actors)
        pairs = {"|".join(sorted((left, right))) for (left, lside), (right, rside) in combinations(chosen, 2)
                 if self.sides.are_opposed(lside, rside)}
        return keys + [("actor_pair", pair) for pair in sorted(pairs)]

    def observe(self, enriched: EnrichedReport, processing_time: Timestamp = None) -> list[EscalationSignal]:
        """The signals one enriched report sets off (at or above ``min_level_to_emit``, after throttling).

        Args:
            enriched: the report and its analysis; its ``published_at`` places it in a window.
            processing_time: used when the report has no ``published_at``, and as ``emitted_at``; default now.
        """
        return [d.signal for d in self.evaluate(enriched, processing_time) if d.fired and d.signal is not None]

    def evaluate(self, enriched: EnrichedReport, processing_time: Timestamp = None) -> list[Decision]:
        """One :class:`Decision` per key of the report: fired, held back (and why), recorded or silent."""
        if enriched.analysis.error is not None:
            return []
        return [self.observe_key(key_type, key, enriched, processing_time)
                for key_type, key in self.keys_for(enriched.analysis)]

    def observe_key(self, key_type: str, key: str, enriched: EnrichedReport,
                    processing_time: Timestamp = None) -> Decision:
        """Count one report for one key and decide (for agents that repartition reports by key).

        Reads only the report's id and ``published_at``, its story and its analysis without entities.
        """
        now = to_epoch(processing_time)
        now = now_epoch() if now is None else now
        moment = to_epoch(enriched.report.published_at)
        moment = now if moment is None else moment
        size = self.config.window_seconds
        start = window_start(moment, size)
        store_key = f"k:{key_type}:{key}"
        meta = self._note_window(start)
        state = self._load(store_key, start, meta)
        newest = max([start, *(int(w) for w in state["windows"])])
        if start < newest - self.config.retention_windows * size or (start < state["base"]["through"]
                                                                       and state["base"]["n"]):
            return Decision(key_type, key, False, f"late: the window starting {to_iso(start)} is older than "
                            f"the {self.config.retention_windows} windows kept for {key}")
        if start < state["base"]["through"]:  # the key's first windows, arriving out of order
            state = {**state, **{name: {**base, "through": start} for name, base in self._bases(state).items()},
                     "first_seen": start}
        window = state["windows"].get(str(start)) or new_window()
        report_id = enriched.report.id
        if any(report_id in story["r"] for story in window["stories"].values()):
            return Decision(key_type, key, False, f"replay: report {report_id} is already counted for {key}")
        weight = self.weighting.weigh(enriched.analysis)
        combatants = [a.id for a in enriched.analysis.actors if self.weighting.is_combatant(a.kind)]
        window = add_report(window, enriched.story_id or report_id, report_id, weight, enriched.analysis,
                            self._points(key_type, key, enriched.analysis), combatants,
                            self._share(key_type, key, enriched.analysis))
        state = self._retain({**state, "windows": {**state["windows"], str(start): window},
                              "watch": meta["watching_since"]})
        decision, alert, trail = self._decide(key_type, key, state, start, moment, now, meta, enriched.analysis)
        self.store[store_key] = {**state, "alert": alert, "trail": trail}
        logger.debug("escalation key=%s:%s window=%s fired=%s reason=%s", key_type, key, to_iso(start),
                     decision.fired, decision.reason)
        return decision

    def scores(self, key_type: str, key: str) -> list[dict[str, Any]]:
        """A key's score over its recent windows (the trail), oldest first: the area's temperature over time.

        Args:
            key_type: ``"governorate"`` or ``"actor_pair"``.
            key: e.g. ``"Idlib"``.

        Returns:
            e.g. ``[{"window_start": "2019-06-12T06:00:00+00:00", "observed": 14.2, "expected": 0.5,
            "score": 0.99, "level": "high"}]``; windows in which the key had no report are absent.
        """
        state = self.store.get(f"k:{key_type}:{key}") or {}
        return [{"window_start": to_iso(start), "observed": observed, "expected": expected, "score": score,
                 "level": level} for start, observed, expected, score, level in state.get("trail", [])]

    # ------------------------------------------------------------------ state

    def _note_window(self, start: int) -> dict[str, Any]:
        """Record that the stream reached a window; returns the meta (when watching started, without a break).

        A stream silent for more than ``max_gap_hours`` (a feed down, a replay of an old sample) restarts
        the watch: what happened in the gap is unknown, so no key counts as quiet through it.
        """
        meta = self.store.get("meta")
        gap = self.config.max_gap_hours * 3600
        if meta is None:
            meta = {"started": start, "latest": start, "watching_since": start}
        elif "watching_since" not in meta:  # written by an older version
            meta = {**meta, "latest": max(start, meta["started"]), "watching_since": meta["started"]}
        elif start > meta["latest"]:
            since = meta["watching_since"] if start - meta["latest"] <= gap else start
            meta = {**meta, "latest": start, "watching_since": since}
        elif start < meta["watching_since"]:  # an earlier report arriving late extends the watch back
            since = meta["watching_since"]
            meta = {**meta, "started": min(start, meta["started"]),
                    "watching_since": start if since - start <= gap else since}
        else:
            return meta
        self.store["meta"] = meta
        return meta

    def _watched(self, meta: dict[str, Any], start: int) -> int:
        """Windows watched without a break before ``start``."""
        return max(0, (start - meta["watching_since"]) // self.config.window_seconds)

    def _load(self, store_key: str, start: int, meta: dict[str, Any]) -> dict[str, Any]:
        """A key's state, new, or relearning its baselines when the watch restarted since it was last written.

        After a break in the stream the old baselines describe another time; the key keeps its alert
        state, its score trail and when it was last violent, and learns its baselines again.
        """
        state = self.store.get(store_key)
        since = meta["watching_since"]
        if state is None:
            return self._new_state(start, meta)
        if state.get("watch", since) < since <= start:
            fresh = self._new_state(start, meta)
            windows = {w: value for w, value in state["windows"].items() if int(w) >= since}
            return {**fresh, "windows": windows, "last_violent": state["last_violent"], "alert": state["alert"],
                    "trail": state.get("trail", [])}
        return {**state, **self._bases(state)}

    def _new_state(self, start: int, meta: dict[str, Any]) -> dict[str, Any]:
        """A key's first state: windows watched before it appeared count as empty (up to ``backfill_windows``).

        The last ``retention_windows`` of them stay unfolded, so a late report may still land there.
        """
        size = self.config.window_seconds
        backfill = min(self._watched(meta, start), self.config.backfill_windows)
        kept = min(backfill, self.config.retention_windows)
        through = start - kept * size
        bases = {name: backfill_baseline(through, prior, backfill - kept, size, self.alpha)
                 for name, prior in self._priors().items()}
        return {"windows": {}, **bases, "first_seen": start - backfill * size, "last_violent": None,
                "alert": None, "trail": []}

    def _priors(self) -> dict[str, float]:
        return {"base": self.config.prior_mean, "vbase": self.config.prior_events,
                "ibase": self.config.prior_indicated}

    def _bases(self, state: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """A key's baselines; one missing from a state written by an older version starts at its prior."""
        through = state["base"]["through"]
        return {name: state.get(name) or {**start_baseline(through, prior), "n": state["base"]["n"]}
                for name, prior in self._priors().items()}

    def _points(self, key_type: str, key: str, analysis: Analysis) -> list[tuple[float, float]]:
        """Coordinates of the report's places that belong to the key (its governorate, or all for a pair)."""
        return [(p.lat, p.lon) for p in analysis.places if p.lat is not None and p.lon is not None
                and (key_type != "governorate" or p.governorate == key)]

    def _share(self, key_type: str, key: str, analysis: Analysis) -> float:
        """The share of the report's located place mentions in the key's governorate (1.0 for a pair)."""
        located = [p.governorate for p in analysis.places if p.governorate]
        if key_type != "governorate" or not located:
            return 1.0
        return round(located.count(key) / len(located), 4)

    def _weight_of(self, totals: dict[str, dict[str, Any]], field: str = "observed") -> Callable[[int], float]:
        """The value of one window total by window start, 0 for a window without reports."""
        return lambda start: totals[str(start)][field] if str(start) in totals else 0.0

    def _retain(self, state: dict[str, Any]) -> dict[str, Any]:
        """Fold the windows older than the retention period into the baselines and drop them."""
        size = self.config.window_seconds
        windows = state["windows"]
        cutoff = max(int(w) for w in windows) - self.config.retention_windows * size
        expired = [w for w in windows if int(w) < cutoff]
        if not expired:
            return state
        totals = {w: window_totals(windows[w]) for w in expired}
        bases = {name: fold_through(base, cutoff, size, self.alpha, self._weight_of(totals, BASELINES[name]))
                 for name, base in self._bases(state).items()}
        violent = [int(w) for w in expired if any(s["v"] for s in windows[w]["stories"].values())]
        last_violent = max([*violent, *([state["last_violent"]] if state["last_violent"] is not None else [])],
                           default=None)
        kept = {w: value for w, value in windows.items() if w not in expired}
        return {**state, **bases, "windows": kept, "last_violent": last_violent}

    # ------------------------------------------------------------------ scoring

    def _view(self, key_type: str, key: str, state: dict[str, Any], start: int, meta: dict[str, Any],
              analysis: Analysis) -> WindowView:
        size = self.config.window_seconds
        windows = state["windows"]
        window = windows[str(start)]
        current = window_totals(window)
        earlier = {w: window_totals(value) for w, value in windows.items() if int(w) < start}
        bases = {name: fold_through(base, start, size, self.alpha, self._weight_of(earlier, BASELINES[name]))
                 for name, base in self._bases(state).items()}
        expected, spread = expected_spread(bases["base"], self.config.min_expected)
        earlier_violent = [int(w) for w, totals in earlier.items() if totals["violent"]]
        last_violent = max(earlier_violent, default=state["last_violent"])
        before_previous = max([w for w in earlier_violent if w < start - size], default=state["last_violent"])
        span = span_of(window, start)
        previous = windows.get(str(start - size))
        return WindowView(
            key_type=key_type, key=key, label=self._label(key_type, key, analysis), window_start=start,
            window_hours=self.config.window_hours, observed=current["observed"], count=current["count"],
            severe=current["severe"], violent=current["violent"], indicators=current["indicators"],
            indicator_weight=current["indicator_weight"], expected=expected, expected_std=spread,
            expected_events=round(bases["vbase"]["mean"], 4), expected_indicated=round(bases["ibase"]["mean"], 4),
            history_windows=(start - state["first_seen"]) // size, watched_windows=self._watched(meta, start),
            quiet_windows_before=None if last_violent is None else (start - last_violent) // size,
            report_ids=span.report_ids, stories=span.stories,
            indicator_labels=self.weighting.config.get("indicator_labels", {}),
            previous=span_of(previous, start - size) if previous else None,
            quiet_windows_before_previous=(None if before_previous is None
                                           else (start - size - before_previous) // size),
        )

    def _label(self, key_type: str, key: str, analysis: Analysis) -> str:
        """The key in words: a governorate as is, a pair by its actors' English names from the analysis."""
        if key_type != "actor_pair":
            return key
        names = {a.id: a.name_en.split(" (")[0].split(" / ")[0] for a in analysis.actors}
        return " and ".join(names.get(actor, actor) for actor in key.split("|"))

    def _level(self, score: float) -> str:
        return next((level for level, bar in self.config.levels if score >= bar), "low")

    def _decide(self, key_type: str, key: str, state: dict[str, Any], start: int, moment: float, now: float,
                meta: dict[str, Any], analysis: Analysis
                ) -> tuple[Decision, dict[str, Any] | None, list[list[Any]]]:
        view = self._view(key_type, key, state, start, meta, analysis)
        hits = [hit for rule in self.rules if rule.applies_to(key_type) and (hit := rule.evaluate(view))]
        score = combine_scores(hits) if hits else 0.0
        level = self._level(score) if hits else None
        trail = self._trail(state, start, view, score, level)
        if not hits:
            return Decision(key_type, key, False, "no rule fired"), state["alert"], trail
        floor = self.config.min_level_to_emit
        if rank_severity(level) < rank_severity(floor):  # recorded in the trail; throttling ignores it
            reason = (f"recorded, not emitted: {key} scores {score:.2f} ({level}), below the {floor} level "
                      f"signals start at")
            return Decision(key_type, key, False, reason, None, tuple(hits), level), state["alert"], trail
        sid = signal_id(key_type, key, start)
        throttle = decide_throttle(state["alert"], key, level, moment, sid, self.config.quiet_hours * 3600)
        signal = self._signal(key_type, key, state["windows"][str(start)], view, start, hits, score, level, now,
                              throttle.reason)
        return (Decision(key_type, key, throttle.fire, throttle.reason, signal, tuple(hits), level),
                throttle.alert, trail)

    def _trail(self, state: dict[str, Any], start: int, view: WindowView, score: float,
               level: str | None) -> list[list[Any]]:
        """The key's score trail with this window's entry replaced, at most ``trail_windows`` entries."""
        entries = [entry for entry in state.get("trail", []) if entry[0] != start]
        entries.append([start, view.observed, round(view.expected, 4), score, level])
        entries.sort(key=lambda entry: entry[0])
        return entries[-self.config.trail_windows:]

    def _signal(self, key_type: str, key: str, window: dict[str, Any], view: WindowView, start: int,
                hits: list[RuleHit], score: float, level: str, now: float, throttle_reason: str) -> EscalationSignal:
        actors = (tuple(key.split("|")) if key_type == "actor_pair"
                  else tuple(a for a, _ in Counter(window["actors"]).most_common(10)))
        location = ({"lat": round(window["lat"] / window["pts"], 5), "lon": round(window["lon"] / window["pts"], 5)}
                    if window["pts"] else None)
        return EscalationSignal(
            id=signal_id(key_type, key, start), key=key, key_type=key_type, window_start=to_iso(start),
            window_end=to_iso(start + self.config.window_seconds), observed=view.observed,
            expected=round(view.expected, 4), score=score, level=level,
            reasons=(*(h.reason for h in hits), throttle_reason), rules=tuple(h.rule for h in hits),
            report_ids=view.report_ids[: self.config.max_report_ids], emitted_at=to_iso(now),
            governorate=key if key_type == "governorate" else None, actor_ids=actors,
            governorates=tuple(sorted(window["govs"])), event_types=tuple(sorted(window["types"])),
            location=location,
        )
