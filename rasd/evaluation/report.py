"""``rasd eval`` / ``make eval``: extraction quality, printed.

1. ANERcorp test split (AraBERT's shuffled split of the manually cleaned corpus): entity-level
   precision/recall/F1 per type of the CRF tagger.
2. The annotated development set (``eval/devset_reports.jsonl`` → ``rasd analyze`` → scored
   against ``eval/devset.jsonl``): entity F1, actor resolution, governorate accuracy, event-type
   micro-F1, casualty exact match, escalation accuracy.
3. The casualty case set (``eval/casualties/cases.jsonl``): killed, injured and both exact match
   over short texts, with the failing cases.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

DEFAULT_ANERCORP_TEST = Path("../shared/data/arabic_ner/anercorp_arabert_cleaned/ANERCorp_manually_cleaned_test.tsv")
DEFAULT_DEVSET_REPORTS = Path("eval/devset_reports.jsonl")
DEFAULT_DEVSET_GOLD = Path("eval/devset.jsonl")
DEFAULT_DEV2_REPORTS = Path("eval/dev2/reports.jsonl")
DEFAULT_DEV2_GOLD = Path("eval/dev2/gold.jsonl")
# Written apart from the extractors and never tuned on: the honest estimate for unseen copy.
DEFAULT_TESTSET_REPORTS = Path("eval/testset/reports.jsonl")
DEFAULT_TESTSET_GOLD = Path("eval/testset/gold.jsonl")
DEFAULT_CASUALTY_CASES = Path("eval/casualties/cases.jsonl")


def predict_devset(reports_path: Path) -> list[dict]:
    """Run the full analysis over the development set's reports, as ``rasd analyze`` would."""
    from rasd.analysis.analyzer import Analyzer, analyze_line

    analyzer = Analyzer.pretrained()
    with reports_path.open("rb") as fh:
        return [analyze_line(line.rstrip(b"\r\n"), analyzer).to_dict() for line in fh if line.strip()]


def run_evaluation(args: argparse.Namespace) -> int:
    status = 0
    if not getattr(args, "skip_anercorp", False):
        from rasd.evaluation.anercorp import evaluate_anercorp, format_report as format_anercorp

        path = Path(getattr(args, "anercorp", None) or DEFAULT_ANERCORP_TEST)
        if not path.exists():
            print(f"ANERcorp test split not found at {path} (expected beside the repository in ../shared/data)")
            status = 1
        else:
            started = time.perf_counter()
            metrics = evaluate_anercorp(path)
            print(format_anercorp(metrics))
            print(f"(tagged in {time.perf_counter() - started:.1f}s)\n")

    from rasd.evaluation.devset import format_report, score

    sets = (("Development set (the extractors were tuned on it)", DEFAULT_DEVSET_REPORTS, DEFAULT_DEVSET_GOLD),
            ("Second development set, hard cases (tuned on it too)", DEFAULT_DEV2_REPORTS, DEFAULT_DEV2_GOLD),
            ("Held-out test set (never tuned on)", DEFAULT_TESTSET_REPORTS, DEFAULT_TESTSET_GOLD))
    for title, reports_path, gold_path in sets:
        if not gold_path.exists():
            print(f"{title}: {gold_path} not found (run from the repository root)")
            status = 1
            continue
        predicted = predict_devset(reports_path)
        with gold_path.open(encoding="utf-8") as fh:
            gold = [json.loads(line) for line in fh if line.strip()]
        print(f"{title}: {len(gold)} annotated reports ({gold_path})")
        print(format_report(score(gold, predicted)))
        print()
    return status | print_casualty_cases(DEFAULT_CASUALTY_CASES)


def print_casualty_cases(path: Path) -> int:
    """Print the casualty case scores; 1 when the case file is missing."""
    from rasd.evaluation.casualty_cases import format_scores, load_cases, predict_with_analyzer, score_cases

    title = "Casualty cases (short texts, killed/injured exact match)"
    if not path.exists():
        print(f"{title}: {path} not found (run from the repository root)")
        return 1
    cases = load_cases(path)
    print(f"{title}: {len(cases)} cases ({path})")
    print(format_scores(score_cases(cases, predict_with_analyzer())))
    print()
    return 0
