"""Scoring the casualty counts on the casualty case set (``eval/casualties/cases.jsonl``).

Each case is one short text with its gold ``killed`` and ``injured`` (int or null) and a
note explaining the gold. The texts go through the same analysis as ``rasd analyze`` and
the counts are compared exactly (null equals null only; 0 is not null).

    python -m rasd.evaluation.casualty_cases [--cases eval/casualties/cases.jsonl]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rasd.errors import DataError

DEFAULT_CASES = Path("eval/casualties/cases.jsonl")

Counts = tuple[int | None, int | None]


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One case: its gold and predicted ``(killed, injured)``."""

    id: str
    gold: Counts
    predicted: Counts

    @property
    def killed_ok(self) -> bool:
        return self.gold[0] == self.predicted[0]

    @property
    def injured_ok(self) -> bool:
        return self.gold[1] == self.predicted[1]


@dataclass(frozen=True, slots=True)
class CaseScores:
    """Exact-match counts over the case set."""

    cases: int
    killed: int
    injured: int
    both: int
    failures: tuple[CaseResult, ...]


def load_cases(path: Path) -> list[dict]:
    """Read the cases, checking the fields each one needs.

    Raises:
        DataError: on a malformed line or a missing field.
    """
    cases = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
                if not isinstance(case["id"], str) or not isinstance(case["text"], str):
                    raise TypeError("id and text must be strings")
                for key in ("killed", "injured"):
                    if case[key] is not None and (not isinstance(case[key], int) or isinstance(case[key], bool)):
                        raise TypeError(f"{key} must be an int or null")
            except (ValueError, KeyError, TypeError) as exc:
                raise DataError(f"{path}:{number}: malformed case ({exc})") from exc
            cases.append(case)
    return cases


def predict_with_analyzer() -> Callable[[str, str], Counts]:
    """A predictor that runs the full ``rasd analyze`` analysis over one text."""
    from rasd.analysis.analyzer import Analyzer, analyze_line

    analyzer = Analyzer.pretrained()

    def predict(case_id: str, text: str) -> Counts:
        line = json.dumps({"id": case_id, "text": text}, ensure_ascii=False)
        analysis = analyze_line(line, analyzer).to_dict()
        return analysis.get("killed"), analysis.get("injured")

    return predict


def score_cases(cases: Iterable[dict], predict: Callable[[str, str], Counts]) -> CaseScores:
    """Exact-match scores of the predicted counts against the gold.

    Example:
        >>> score_cases([{"id": "c1", "text": "مقتل 3", "killed": 3, "injured": None}],
        ...             lambda _id, _text: (3, None)).both
        1
    """
    results = [
        CaseResult(case["id"], (case["killed"], case["injured"]), predict(case["id"], case["text"]))
        for case in cases
    ]
    return CaseScores(
        cases=len(results),
        killed=sum(r.killed_ok for r in results),
        injured=sum(r.injured_ok for r in results),
        both=sum(r.killed_ok and r.injured_ok for r in results),
        failures=tuple(r for r in results if not (r.killed_ok and r.injured_ok)),
    )


def format_scores(scores: CaseScores) -> str:
    """The scores as printed by ``rasd eval``: three exact-match lines and the failing ids."""

    def line(name: str, right: int) -> str:
        share = right / scores.cases if scores.cases else 0.0
        return f"  {name:<15}{right:>4}/{scores.cases}  {share:.3f}"

    lines = [line("killed exact", scores.killed), line("injured exact", scores.injured),
             line("both exact", scores.both)]
    if scores.failures:
        lines.append(f"  failing ({len(scores.failures)}): id  predicted (killed, injured)  gold")
        for result in scores.failures:
            lines.append(f"    {result.id}  {_show(result.predicted)}  {_show(result.gold)}")
    return "\n".join(lines)


def _show(counts: Counts) -> str:
    return "(" + ", ".join("null" if c is None else str(c) for c in counts) + ")"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    args = parser.parse_args(argv)
    scores = score_cases(load_cases(args.cases), predict_with_analyzer())
    print(f"Casualty cases: {scores.cases} ({args.cases})")
    print(format_scores(scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
