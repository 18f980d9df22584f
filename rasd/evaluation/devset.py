"""Scoring ``rasd analyze`` output against the annotated development set.

The gold (``eval/devset.jsonl``) and the prediction are both files of
``rasd analyze`` contract lines, joined on ``id``. Every metric is defined in
``eval/README.md``; in short:

* entities: precision/recall/F1 of exact ``(start, end, type)`` matches,
  overall and per type, plus a lenient variant (same type, overlapping span);
* actor resolution: of the gold ORG/PER entities that carry a canonical id,
  the share whose predicted entity at the same span (else the most
  overlapping one) has the same ``canonical_id``; and report-level
  precision/recall/F1 of the actor id sets;
* governorate accuracy: of the gold places, the share whose predicted place
  at the same (else most overlapping) span has the same governorate
  (``None`` equals ``None``); a missed place is wrong;
* event types: micro precision/recall/F1 of report-level label sets, and per type;
* casualties: share of reports whose ``killed`` and ``injured`` both equal the gold;
* escalation: share of reports whose ``escalatory`` flag equals the gold
  (and, for information, micro F1 of signal names).

A report without a prediction, or whose prediction carries an ``error``,
is scored as an empty analysis.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasd.errors import DataError
from rasd.schema import ENTITY_TYPES, EVENT_TYPES

DEFAULT_GOLD_PATH = "eval/devset.jsonl"
ACTOR_ENTITY_TYPES = ("ORG", "PER")

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Counts:
    """True positives, false positives and false negatives of one comparison."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing was expected or claimed, 0.0 when only expected."""
        if self.tp + self.fp:
            return self.tp / (self.tp + self.fp)
        return 0.0 if self.fn else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1.0 when nothing was expected or claimed, 0.0 when only claimed."""
        if self.tp + self.fn:
            return self.tp / (self.tp + self.fn)
        return 0.0 if self.fp else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


def compare_sets(gold: Iterable[Any], predicted: Iterable[Any]) -> Counts:
    """Counts of two sets compared item by item.

    Args:
        gold: the expected items.
        predicted: the produced items.

    Returns:
        ``Counts`` with the shared items as true positives.

    Example:
        >>> compare_sets({"shelling", "airstrike"}, {"shelling", "killing"})
        Counts(tp=1, fp=1, fn=1)
    """
    gold_set, predicted_set = set(gold), set(predicted)
    return Counts(len(gold_set & predicted_set), len(predicted_set - gold_set), len(gold_set - predicted_set))


def ratio(correct: int, total: int) -> float:
    """``correct / total``, and 1.0 when there is nothing to count."""
    return correct / total if total else 1.0


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read a file of JSON objects, one a line (blank lines skipped).

    Args:
        path: a ``.jsonl`` file, e.g. the output of ``rasd analyze``.

    Returns:
        The objects in file order.

    Raises:
        DataError: the file cannot be read or a line is not a JSON object.

    Example:
        >>> import tempfile, os
        >>> f = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8")
        >>> _ = f.write('{"id": "r1", "event_types": ["shelling"]}\\n'); f.close()
        >>> read_jsonl(f.name)
        [{'id': 'r1', 'event_types': ['shelling']}]
        >>> os.unlink(f.name)
    """
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    lines = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise DataError(f"{path}:{number}: not JSON: {exc}") from exc
        if not isinstance(obj, dict):
            raise DataError(f"{path}:{number}: not a JSON object")
        lines.append(obj)
    return lines


def index_lines(lines: Iterable[dict[str, Any]], role: str) -> dict[str, dict[str, Any]]:
    """Key contract lines by ``id``; ids must be present and unique.

    Args:
        lines: gold or predicted lines.
        role: ``"gold"`` or ``"predicted"``, for error messages.

    Returns:
        ``{id: line}``.

    Raises:
        DataError: a line has no id, or an id repeats.
    """
    indexed: dict[str, dict[str, Any]] = {}
    for position, line in enumerate(lines, start=1):
        report_id = line.get("id")
        if not isinstance(report_id, str) or not report_id:
            raise DataError(f"{role} line {position} has no id")
        if report_id in indexed:
            raise DataError(f"{role} id {report_id!r} appears twice")
        indexed[report_id] = line
    return indexed


def read_span(item: dict[str, Any], report_id: str) -> Span:
    """The ``(start, end)`` of an entity or place, checked to be integers."""
    start, end = item.get("start"), item.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
        raise DataError(f"report {report_id!r}: span without integer start/end: {item!r}")
    return start, end


def overlap(a: Span, b: Span) -> int:
    """Number of characters two half-open spans share.

    Example:
        >>> overlap((4, 20), (10, 30))  # "قوات النظام" vs a longer prediction
        10
    """
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def find_counterpart(span: Span, candidates: Sequence[tuple[Span, dict[str, Any]]]) -> dict[str, Any] | None:
    """The candidate at exactly ``span``, else the one overlapping it most.

    Ties on overlap go to the candidate that starts first.

    Args:
        span: a gold span.
        candidates: predicted ``(span, item)`` pairs.

    Returns:
        The matched predicted item, or None when nothing overlaps.

    Example:
        >>> find_counterpart((5, 16), [((0, 16), {"text": "وهيئة تحرير الشام"})])
        {'text': 'وهيئة تحرير الشام'}
    """
    best: tuple[int, int] | None = None
    chosen = None
    for candidate_span, item in candidates:
        if candidate_span == span:
            return item
        shared = overlap(span, candidate_span)
        if shared and (best is None or (shared, -candidate_span[0]) > best):
            best, chosen = (shared, -candidate_span[0]), item
    return chosen


def usable_prediction(line: dict[str, Any] | None) -> dict[str, Any]:
    """A predicted line, or an empty analysis when it is missing or failed."""
    if line is None or line.get("error"):
        return {}
    return line


def score_entities(gold: dict[str, Any], predicted: dict[str, Any], report_id: str) -> dict[str, Any]:
    """Exact and lenient entity counts of one report, overall and per type."""
    gold_entities = [(read_span(e, report_id), e.get("type")) for e in gold.get("entities") or []]
    predicted_entities = [(read_span(e, report_id), e.get("type")) for e in predicted.get("entities") or []]
    exact = compare_sets({(s, t) for s, t in gold_entities}, {(s, t) for s, t in predicted_entities})
    per_type = {
        etype: compare_sets({s for s, t in gold_entities if t == etype}, {s for s, t in predicted_entities if t == etype})
        for etype in ENTITY_TYPES
    }
    gold_found = sum(any(t == pt and overlap(s, ps) for ps, pt in predicted_entities) for s, t in gold_entities)
    predicted_right = sum(any(t == gt and overlap(s, gs) for gs, gt in gold_entities) for s, t in predicted_entities)
    return {"exact": exact, "per_type": per_type,
            "lenient": (gold_found, len(gold_entities), predicted_right, len(predicted_entities))}


def score_actor_resolution(gold: dict[str, Any], predicted: dict[str, Any], report_id: str) -> tuple[int, int]:
    """(correct, total) over the gold ORG/PER entities that carry a canonical id."""
    candidates = [(read_span(e, report_id), e) for e in predicted.get("entities") or []]
    correct = total = 0
    for entity in gold.get("entities") or []:
        if entity.get("type") not in ACTOR_ENTITY_TYPES or not entity.get("canonical_id"):
            continue
        total += 1
        match = find_counterpart(read_span(entity, report_id), candidates)
        correct += match is not None and match.get("canonical_id") == entity["canonical_id"]
    return correct, total


def actor_ids(line: dict[str, Any]) -> set[str]:
    """The canonical actor ids of a line's ``actors`` list."""
    return {a["id"] for a in line.get("actors") or [] if isinstance(a, dict) and a.get("id")}


def score_governorates(gold: dict[str, Any], predicted: dict[str, Any], report_id: str) -> tuple[int, int, int, int]:
    """Governorate hits over the gold places; a place with no predicted counterpart is wrong.

    Returns:
        ``(correct, total, correct_in_syria, total_in_syria)``, the last two over
        the gold places that have a governorate.
    """
    candidates = [(read_span(p, report_id), p) for p in predicted.get("places") or []]
    correct = total = correct_in_syria = total_in_syria = 0
    for place in gold.get("places") or []:
        match = find_counterpart(read_span(place, report_id), candidates)
        hit = match is not None and match.get("governorate") == place.get("governorate")
        total, correct = total + 1, correct + hit
        if place.get("governorate") is not None:
            total_in_syria, correct_in_syria = total_in_syria + 1, correct_in_syria + hit
    return correct, total, correct_in_syria, total_in_syria


def event_type_set(line: dict[str, Any]) -> set[str]:
    """A line's report-level event types (from ``events`` when ``event_types`` is absent)."""
    if line.get("event_types") is not None:
        return set(line["event_types"])
    return {e.get("type") for e in line.get("events") or [] if isinstance(e, dict)}


def escalation_of(line: dict[str, Any]) -> dict[str, Any]:
    """A line's escalation object (an empty one when absent)."""
    escalation = line.get("escalation")
    return escalation if isinstance(escalation, dict) else {}


def signal_names(line: dict[str, Any]) -> set[str]:
    """The names of a line's escalation signals."""
    return {s.get("name") for s in escalation_of(line).get("signals") or [] if isinstance(s, dict)}


def score(gold_lines: Iterable[dict[str, Any]], predicted_lines: Iterable[dict[str, Any]],
          actor_vocabulary: Iterable[str] | None = None) -> dict[str, Any]:
    """Score predicted analyses against the gold, report by report.

    Args:
        gold_lines: the gold contract lines (``eval/devset.jsonl``).
        predicted_lines: ``rasd analyze`` output lines; extra ids are ignored.
        actor_vocabulary: the actor ids the actor-set metric may count in
            predictions; by default every id the gold uses. A predicted id
            outside it (an actor the gold leaves unresolved) is not counted
            as a false positive, only reported as unscored.

    Returns:
        Nested metrics (see ``eval/README.md``): ``entities``, ``actors``,
        ``governorate``, ``event_types``, ``casualties``, ``escalation``,
        ``coverage``; every rate is a float in [0, 1].

    Example:
        >>> gold = [{"id": "r1", "event_types": ["shelling"], "killed": 2, "injured": None,
        ...          "entities": [{"text": "قوات النظام", "type": "ORG", "start": 0, "end": 11,
        ...                        "canonical_id": "syr-gov-forces"}],
        ...          "escalation": {"escalatory": True}}]
        >>> score(gold, gold)["event_types"]["f1"]
        1.0
    """
    gold = index_lines(gold_lines, "gold")
    predicted_all = index_lines(predicted_lines, "predicted")
    vocabulary = set(actor_vocabulary) if actor_vocabulary is not None else (
        {a for line in gold.values() for a in actor_ids(line)}
        | {e.get("canonical_id") for line in gold.values() for e in line.get("entities") or []
           if e.get("type") in ACTOR_ENTITY_TYPES and e.get("canonical_id")})

    entity_exact = Counts()
    entity_per_type = {etype: Counts() for etype in ENTITY_TYPES}
    lenient = [0, 0, 0, 0]
    resolved = resolvable = 0
    actor_set = Counts()
    unscored_actor_ids: set[str] = set()
    governorate = [0, 0, 0, 0]
    events = Counts()
    events_per_type = {etype: Counts() for etype in EVENT_TYPES}
    casualties_exact = killed_right = injured_right = 0
    escalation_right = 0
    signals = Counts()
    missing = failed = 0

    for report_id, gold_line in gold.items():
        raw = predicted_all.get(report_id)
        missing += raw is None
        failed += raw is not None and bool(raw.get("error"))
        predicted = usable_prediction(raw)

        entity_scores = score_entities(gold_line, predicted, report_id)
        entity_exact += entity_scores["exact"]
        for etype, counts in entity_scores["per_type"].items():
            entity_per_type[etype] += counts
        lenient = [a + b for a, b in zip(lenient, entity_scores["lenient"])]

        correct, total = score_actor_resolution(gold_line, predicted, report_id)
        resolved, resolvable = resolved + correct, resolvable + total
        predicted_actors = actor_ids(predicted)
        unscored_actor_ids |= predicted_actors - vocabulary
        actor_set += compare_sets(actor_ids(gold_line), predicted_actors & vocabulary)

        governorate = [a + b for a, b in zip(governorate, score_governorates(gold_line, predicted, report_id))]

        gold_types, predicted_types = event_type_set(gold_line), event_type_set(predicted)
        events += compare_sets(gold_types, predicted_types)
        for etype in EVENT_TYPES:
            events_per_type[etype] += compare_sets({etype} & gold_types, {etype} & predicted_types)

        killed_ok = predicted.get("killed") == gold_line.get("killed")
        injured_ok = predicted.get("injured") == gold_line.get("injured")
        killed_right += killed_ok
        injured_right += injured_ok
        casualties_exact += killed_ok and injured_ok

        gold_flag = bool(escalation_of(gold_line).get("escalatory"))
        escalation_right += bool(escalation_of(predicted).get("escalatory")) == gold_flag
        signals += compare_sets(signal_names(gold_line), signal_names(predicted))

    reports = len(gold)
    gold_found, gold_count, predicted_right, predicted_count = lenient
    # Lenient counts are not a set comparison: a found gold entity and a right prediction are counted apart.
    lenient_precision = Counts(predicted_right, predicted_count - predicted_right, gold_count - gold_found).precision
    lenient_recall = Counts(gold_found, predicted_count - predicted_right, gold_count - gold_found).recall
    lenient_f1 = (2 * lenient_precision * lenient_recall / (lenient_precision + lenient_recall)
                  if lenient_precision + lenient_recall else 0.0)
    return {
        "reports": reports,
        "entities": {
            **entity_exact.as_dict(),
            "per_type": {etype: counts.as_dict() for etype, counts in entity_per_type.items()},
            "lenient": {"precision": lenient_precision, "recall": lenient_recall, "f1": lenient_f1},
        },
        "actors": {
            "resolution_accuracy": ratio(resolved, resolvable),
            "resolution_correct": resolved,
            "resolution_total": resolvable,
            "set": actor_set.as_dict(),
            "unscored_ids": sorted(unscored_actor_ids),
        },
        "governorate": {"accuracy": ratio(governorate[0], governorate[1]),
                        "correct": governorate[0], "total": governorate[1],
                        "in_syria_accuracy": ratio(governorate[2], governorate[3])},
        "event_types": {
            **events.as_dict(),
            "per_type": {etype: counts.as_dict() for etype, counts in events_per_type.items()},
        },
        "casualties": {"exact": ratio(casualties_exact, reports), "killed": ratio(killed_right, reports),
                       "injured": ratio(injured_right, reports)},
        "escalation": {"accuracy": ratio(escalation_right, reports), "signals": signals.as_dict()},
        "coverage": {"missing": missing, "errors": failed,
                     "extra": len(set(predicted_all) - set(gold))},
    }


def format_counts(name: str, counts: dict[str, Any]) -> str:
    """One ``name  P  R  F1`` row."""
    return f"  {name:<22} P {counts['precision']:.3f}  R {counts['recall']:.3f}  F1 {counts['f1']:.3f}"


def format_report(metrics: dict[str, Any]) -> str:
    """Render ``score()`` output as a plain-text report.

    Args:
        metrics: the dictionary returned by :func:`score`.

    Returns:
        Several lines: entities (overall, lenient, per type), actors,
        governorates, event types (overall and per type), casualties,
        escalation and coverage.
    """
    entities, actors, events = metrics["entities"], metrics["actors"], metrics["event_types"]
    coverage = metrics["coverage"]
    lines = [f"dev set: {metrics['reports']} reports "
             f"(missing {coverage['missing']}, errors {coverage['errors']}, extra {coverage['extra']})",
             "entities (exact span + type)",
             format_counts("all", entities),
             format_counts("lenient (overlap)", entities["lenient"])]
    lines += [format_counts(etype, counts) for etype, counts in entities["per_type"].items()]
    lines += ["actors",
              f"  resolution accuracy    {actors['resolution_accuracy']:.3f} "
              f"({actors['resolution_correct']}/{actors['resolution_total']})",
              format_counts("report actor sets", actors["set"])]
    if actors["unscored_ids"]:
        lines.append("  unscored ids           " + ", ".join(actors["unscored_ids"]))
    governorate = metrics["governorate"]
    lines += [f"governorate accuracy     {governorate['accuracy']:.3f} ({governorate['correct']}/{governorate['total']}; "
              f"places in Syria {governorate['in_syria_accuracy']:.3f})",
              "event types (report-level, micro)",
              format_counts("all", events)]
    lines += [format_counts(etype, counts) for etype, counts in events["per_type"].items()]
    casualties, escalation = metrics["casualties"], metrics["escalation"]
    lines += [f"casualties exact match   {casualties['exact']:.3f} "
              f"(killed {casualties['killed']:.3f}, injured {casualties['injured']:.3f})",
              f"escalation accuracy      {escalation['accuracy']:.3f}",
              format_counts("signal names", escalation["signals"])]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m rasd.evaluation.devset --predicted out.jsonl``.

    Returns:
        0 on success, 2 when a file is missing or malformed.
    """
    parser = argparse.ArgumentParser(description="Score rasd analyze output against the annotated dev set.")
    parser.add_argument("--gold", default=DEFAULT_GOLD_PATH, help=f"gold lines (default {DEFAULT_GOLD_PATH})")
    parser.add_argument("--predicted", required=True, help="rasd analyze output for eval/devset_reports.jsonl")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON instead of text")
    args = parser.parse_args(argv)
    try:
        metrics = score(read_jsonl(args.gold), read_jsonl(args.predicted))
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(metrics, ensure_ascii=False, indent=2) if args.json else format_report(metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
