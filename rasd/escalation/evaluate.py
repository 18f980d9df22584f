"""How well the escalation detector finds planted episodes, and how many signals it sends.

``python -m rasd.escalation.evaluate`` builds synthetic streams
(:mod:`rasd.escalation.scenarios`): weeks of templated Arabic reports over
fourteen governorates with planted bursts, build-ups (mobilisation and an
ultimatum), truce breakdowns, first fights between new dyads and violence in
long-quiet governorates. Every report goes through the real analysis
(:meth:`rasd.analysis.analyzer.Analyzer.pretrained`) and then the detector, as
in the pipeline. It reports:

- precision: the share of emitted signals that fall on a planted episode (a key its reports count for,
  from the episode's first window to ``tolerance_hours`` after its last report);
- recall: the share of episodes with a signal on one of their target keys, and of target keys signalled;
- signals per key per week, overall and for the busiest keys, and the signals of the cold start;
- what the analysis made of the planted reports (governorate and dyad found), so a miss can be told
  apart from an analysis error;
- the detector's time per report-key.

A signal is counted once per id (a level rise in the same window rewrites the same signal).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rasd.escalation.detector import EscalationDetector
from rasd.escalation.explain import plural
from rasd.escalation.scenarios import EPISODE_KINDS, Episode, Stream, build_streams
from rasd.escalation.windows import to_epoch, window_start
from rasd.resources import load_json
from rasd.schema import Analysis, EnrichedReport, EscalationSignal, Report

TOLERANCE_HOURS = 24
_WEEK = 7 * 86400

Key = tuple[str, str]


@dataclass
class StreamOutcome:
    """What the detector did with one stream."""

    stream: Stream
    signals: dict[str, EscalationSignal] = field(default_factory=dict)
    emissions: int = 0
    keys: dict[Key, set[str]] = field(default_factory=dict)
    report_keys: dict[str, list[Key]] = field(default_factory=dict)
    analyses: dict[str, Analysis] = field(default_factory=dict)
    key_observations: int = 0
    detect_seconds: float = 0.0


def make_analyse(analyzer: Any) -> Callable[[Report], Analysis]:
    """An analysis function that analyses each distinct (text, year) once (templated streams repeat texts)."""
    cache: dict[tuple[str, str], Analysis] = {}

    def analyse(report: Report) -> Analysis:
        year = (report.published_at or "")[:4]
        key = (report.text, year)
        if key not in cache:
            cache[key] = analyzer.analyze(replace(report, id="cached"))
        return replace(cache[key], id=report.id)

    return analyse


def run_stream(stream: Stream, analyse: Callable[[Report], Analysis], **overrides: Any) -> StreamOutcome:
    """Analyse every report of a stream and feed it to a fresh detector, in event-time order.

    Args:
        stream: e.g. ``build_streams([1])``'s stream.
        analyse: report → analysis (see :func:`make_analyse`).
        overrides: detector configuration to replace, e.g. ``quiet_hours=12``.
    """
    detector = EscalationDetector.from_data(store={}, **overrides)
    outcome = StreamOutcome(stream)
    for item in stream.reports:
        analysis = analyse(item.report)
        outcome.analyses[item.report.id] = analysis
        enriched = EnrichedReport(item.report, analysis, "", story_id=item.story_id, sources=(item.report.source,))
        keys = detector.keys_for(analysis)
        outcome.report_keys[item.report.id] = keys
        began = time.perf_counter()
        decisions = [detector.observe_key(key_type, key, enriched, item.moment) for key_type, key in keys]
        outcome.detect_seconds += time.perf_counter() - began
        outcome.key_observations += len(keys)
        for key in keys:
            outcome.keys.setdefault(key, set())
        for decision in decisions:
            if decision.fired and decision.signal is not None:
                outcome.emissions += 1
                outcome.signals[decision.signal.id] = decision.signal
                outcome.keys[(decision.key_type, decision.key)].add(decision.signal.id)
    return outcome


def episode_keys(episode: Episode, outcome: StreamOutcome) -> set[Key]:
    """Every key an episode's reports count for (its targets and whatever else its reports name)."""
    keys = set(episode.targets)
    for report_id in episode.report_ids:
        keys.update(outcome.report_keys.get(report_id, ()))
    return keys


def match_signal(signal: EscalationSignal, episodes: Sequence[Episode], outcome: StreamOutcome,
                 window_seconds: int, tolerance_hours: float = TOLERANCE_HOURS) -> Episode | None:
    """The planted episode a signal belongs to, None for a false signal.

    Args:
        signal: an emitted signal.
        episodes: the stream's episodes.
        outcome: the run (for the keys of the episodes' reports).
        window_seconds: the detector's window size.
        tolerance_hours: how long after an episode's last report a signal still belongs to it.
    """
    start = to_epoch(signal.window_start) or 0.0
    for episode in episodes:
        first = window_start(episode.start, window_seconds)
        if (signal.key_type, signal.key) in episode_keys(episode, outcome) and \
                first <= start <= episode.end + tolerance_hours * 3600:
            return episode
    return None


def score_outcomes(outcomes: Sequence[StreamOutcome], window_seconds: int, warmup_days: float,
                   tolerance_hours: float = TOLERANCE_HOURS) -> dict[str, Any]:
    """Precision, recall, signals per key and week, cold start, analysis check and speed over the streams."""
    true_signals = false_signals = cold_signals = cold_false = 0
    detected: Counter[str] = Counter()
    planted: Counter[str] = Counter()
    targets_hit: Counter[str] = Counter()
    targets_all: Counter[str] = Counter()
    key_weeks = 0
    per_key: Counter[str] = Counter()
    per_key_false: Counter[str] = Counter()
    busiest_week: Counter[tuple[str, int]] = Counter()
    false_examples: list[dict[str, Any]] = []
    missed: list[dict[str, Any]] = []
    gov_found = gov_total = dyad_found = dyad_total = 0
    observations, seconds, reports = 0, 0.0, 0
    for outcome in outcomes:
        stream = outcome.stream
        weeks = max(1, round((stream.end - stream.start) / _WEEK))
        key_weeks += len(outcome.keys) * weeks
        observations += outcome.key_observations
        seconds += outcome.detect_seconds
        reports += len(stream.reports)
        hits: dict[str, set[Key]] = defaultdict(set)
        for signal in outcome.signals.values():
            start = to_epoch(signal.window_start) or 0.0
            name = f"{signal.key_type}:{signal.key}"
            per_key[name] += 1
            busiest_week[(name, int((start - stream.start) // _WEEK))] += 1
            cold = start < stream.start + warmup_days * 86400
            cold_signals += cold
            episode = match_signal(signal, stream.episodes, outcome, window_seconds, tolerance_hours)
            if episode is None:
                false_signals += 1
                cold_false += cold
                per_key_false[name] += 1
                if len(false_examples) < 12:
                    false_examples.append({"seed": stream.seed, "key": name, "window_start": signal.window_start,
                                           "level": signal.level, "rules": list(signal.rules),
                                           "reason": signal.reasons[0]})
            else:
                true_signals += 1
                hits[episode.id].add((signal.key_type, signal.key))
        for episode in stream.episodes:
            planted[episode.kind] += 1
            detected[episode.kind] += bool(hits[episode.id] & set(episode.targets))
            for key_type, key in episode.targets:
                targets_all[key_type] += 1
                targets_hit[key_type] += (key_type, key) in hits[episode.id]
            if not hits[episode.id] & set(episode.targets):
                missed.append({"seed": stream.seed, "episode": episode.id, "kind": episode.kind,
                               "targets": [f"{t}:{k}" for t, k in episode.targets],
                               "reports": len(episode.report_ids)})
            found = _check_analysis(episode, outcome)
            gov_found, gov_total = gov_found + found[0], gov_total + found[1]
            dyad_found, dyad_total = dyad_found + found[2], dyad_total + found[3]
    emitted = true_signals + false_signals
    episodes = sum(planted.values())
    return {
        "streams": len(outcomes), "reports": reports, "keys": sum(len(o.keys) for o in outcomes),
        "key_weeks": key_weeks,
        "signals": {"emitted": emitted, "true": true_signals, "false": false_signals,
                    "precision": _ratio(true_signals, emitted),
                    "emissions": sum(o.emissions for o in outcomes)},
        "recall": {"episodes": _ratio(sum(detected.values()), episodes), "detected": sum(detected.values()),
                   "planted": episodes,
                   "per_kind": {kind: {"detected": detected[kind], "planted": planted[kind],
                                       "recall": _ratio(detected[kind], planted[kind])}
                                for kind in EPISODE_KINDS if planted[kind]},
                   "target_keys": {key_type: {"signalled": targets_hit[key_type], "planted": targets_all[key_type],
                                              "recall": _ratio(targets_hit[key_type], targets_all[key_type])}
                                   for key_type in sorted(targets_all)}},
        "per_key_week": {"signals": round(emitted / key_weeks, 4) if key_weeks else 0.0,
                         "false": round(false_signals / key_weeks, 4) if key_weeks else 0.0,
                         "max_in_a_week": max(busiest_week.values(), default=0),
                         "busiest_keys": [{"key": k, "signals": n, "false": per_key_false[k]}
                                          for k, n in per_key.most_common(8)]},
        "cold_start": {"days": warmup_days, "signals": cold_signals, "false": cold_false},
        "analysis_check": {"governorate_found": _ratio(gov_found, gov_total), "dyad_found": _ratio(dyad_found,
                                                                                                   dyad_total)},
        "speed": {"report_keys": observations, "ms_per_report_key": round(1000 * seconds / observations, 4)
                  if observations else 0.0},
        "false_examples": false_examples, "missed": missed,
    }


def _check_analysis(episode: Episode, outcome: StreamOutcome) -> tuple[int, int, int, int]:
    """Of the episode's reports: how many count for its governorate; of those naming both sides, for its pair."""
    governorates = [key for key_type, key in episode.targets if key_type == "governorate"]
    pairs = [key for key_type, key in episode.targets if key_type == "actor_pair"]
    gov = [("governorate", governorates[0]) in outcome.report_keys.get(rid, ()) for rid in episode.report_ids
           if governorates]
    dyad = [("actor_pair", pairs[0]) in outcome.report_keys.get(rid, ()) for rid in episode.paired_ids if pairs]
    return sum(gov), len(gov), sum(dyad), len(dyad)


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def format_scores(scores: dict[str, Any], parameters: dict[str, Any]) -> str:
    """The evaluation as plain text."""
    signals, recall, per_week = scores["signals"], scores["recall"], scores["per_key_week"]
    lines = [f"escalation detector on {plural(scores['streams'], 'synthetic stream')}: {scores['reports']} reports "
             f"analysed by the real analyzer, {scores['keys']} keys ({scores['key_weeks']} key-weeks)",
             f"parameters: {json.dumps(parameters, ensure_ascii=False)}",
             f"signals      {signals['emitted']} emitted ({signals['emissions']} emissions), {signals['true']} on "
             f"planted episodes, {signals['false']} false → precision {signals['precision']:.3f}",
             f"recall       {recall['detected']}/{recall['planted']} episodes = {recall['episodes']:.3f}"]
    for kind, counts in recall["per_kind"].items():
        lines.append(f"  {kind:<16} {counts['detected']}/{counts['planted']} = {counts['recall']:.3f}")
    for key_type, counts in recall["target_keys"].items():
        lines.append(f"  target {key_type:<9} {counts['signalled']}/{counts['planted']} keys signalled = "
                     f"{counts['recall']:.3f}")
    lines.append(f"per key-week {per_week['signals']:.4f} signals, {per_week['false']:.4f} false; at most "
                 f"{per_week['max_in_a_week']} for one key in one week")
    lines += [f"  {entry['key']:<40} {entry['signals']} signals ({entry['false']} false)"
              for entry in per_week["busiest_keys"]]
    cold, check, speed = scores["cold_start"], scores["analysis_check"], scores["speed"]
    lines += [f"cold start   first {cold['days']:g} days: {cold['signals']} signals, {cold['false']} false",
              f"analysis     planted governorate found in {check['governorate_found']:.3f} of episode reports, "
              f"planted dyad in {check['dyad_found']:.3f} of the reports naming both sides",
              f"speed        {speed['ms_per_report_key']:.3f} ms per report-key ({speed['report_keys']} report-keys)"]
    if scores["false_examples"]:
        lines.append("false signals (first ones)")
        lines += [f"  seed {f['seed']} {f['key']} {f['window_start']} {f['level']} {'+'.join(f['rules'])}: "
                  f"{f['reason'][:150]}" for f in scores["false_examples"]]
    if scores["missed"]:
        lines.append("missed episodes")
        lines += [f"  {m['episode']} ({m['reports']} reports) targets {', '.join(m['targets'])}"
                  for m in scores["missed"]]
    return "\n".join(lines)


def evaluate(seeds: Sequence[int], weeks: int | None = None, analyzer: Any = None,
             **overrides: Any) -> dict[str, Any]:
    """Build the streams, run the detector over them and score it.

    Args:
        seeds: e.g. ``[1, 2, 3]``.
        weeks: stream length (default: the scenario data's).
        analyzer: an object with ``analyze(report)``; the pretrained analyzer when omitted.
        overrides: detector configuration to replace.

    Returns:
        The scores (see :func:`score_outcomes`) and the parameters used.
    """
    if analyzer is None:
        from rasd.analysis.analyzer import Analyzer
        analyzer = Analyzer.pretrained()
    analyse = make_analyse(analyzer)
    outcomes = [run_stream(stream, analyse, **overrides) for stream in build_streams(list(seeds), weeks)]
    config = EscalationDetector.from_data(**overrides).config
    spec = load_json("escalation/evaluation.json")
    scores = score_outcomes(outcomes, config.window_seconds, spec.get("warmup_days", 7))
    parameters = {"quiet_hours": config.quiet_hours, "min_level_to_emit": config.min_level_to_emit,
                  "levels": dict(config.levels), "half_life_windows": config.half_life_windows, **overrides}
    return {**scores, "parameters": parameters}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m rasd.escalation.evaluate [--seeds 1 2 3] [--weeks 8] [--json]``."""
    spec = load_json("escalation/evaluation.json")
    parser = argparse.ArgumentParser(description="Evaluate the escalation detector on synthetic report streams "
                                                 "with planted escalation episodes.")
    parser.add_argument("--seeds", type=int, nargs="+", default=spec.get("seeds", [1]),
                        help=f"stream seeds (default {spec.get('seeds', [1])})")
    parser.add_argument("--weeks", type=int, default=None, help=f"weeks per stream (default {spec['weeks']})")
    parser.add_argument("--set", action="append", default=[], metavar="OPTION=JSON",
                        help="override a detector option, e.g. --set quiet_hours=12 (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args(argv)
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        overrides[name] = json.loads(value)
    scores = evaluate(args.seeds, args.weeks, **overrides)
    parameters = scores.pop("parameters")
    print(json.dumps({**scores, "parameters": parameters}, ensure_ascii=False, indent=2) if args.json
          else format_scores(scores, parameters))
    return 0


if __name__ == "__main__":
    sys.exit(main())
