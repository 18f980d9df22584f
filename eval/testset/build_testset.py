"""Build the held-out test set from its marked-up sources.

Reuses the dev set's builder (``scripts/build_devset.py``: same markup, same
offset, boundary, id and evidence checks) on other paths, and writes:

* ``eval/testset/reports.jsonl``: the reports (``rasd analyze`` input);
* ``eval/testset/gold.jsonl``: their gold analysis (``rasd analyze`` output).

On top of the builder's checks it lints the annotation for completeness:
an annotated surface form that also occurs elsewhere in the same report
outside any span (a mention probably left out), and LOC spans that start
with an administrative word (``مدينة``, ``ريف`` ...), are reported. Lints are
warnings unless ``--strict`` is given.

Usage::

    python eval/testset/build_testset.py [--src eval/testset/src] [--out-dir eval/testset]
        [--actors eval/src/actors.json] [--strict]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
_ADMIN_WORDS = ("مدينة ", "بلدة ", "قرية ", "حي ", "منطقة ", "ناحية ", "محافظة ", "ريف ", "بادية ", "جبال ")
_PROCLITICS = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "لـ", "بـ", "ولـ", "وبـ")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3\u0640]")


def load_builder():
    """Import ``scripts/build_devset.py`` as a module (it is not a package)."""
    path = _ROOT / "scripts" / "build_devset.py"
    spec = importlib.util.spec_from_file_location("build_devset", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_devset"] = module
    spec.loader.exec_module(module)
    return module


def lint_report(report: dict, gold: dict) -> list[str]:
    """Warnings about a built report: unannotated repeats and LOC spans with admin words.

    Args:
        report: the report line (``text``).
        gold: its gold line (``entities``).

    Returns:
        Human-readable warnings, empty when nothing looks wrong.
    """
    text = report["text"]
    covered = [False] * len(text)
    for entity in gold["entities"]:
        for i in range(entity["start"], entity["end"]):
            covered[i] = True
    warnings = []
    for entity in gold["entities"]:
        if entity["type"] == "LOC" and entity["text"].startswith(_ADMIN_WORDS) and entity["text"] != "ريف دمشق":
            warnings.append(f"{report['id']}: LOC span starts with an administrative word: {entity['text']!r}")
    for surface in sorted({e["text"] for e in gold["entities"]}):
        for match in re.finditer(re.escape(surface), text):
            start, end = match.start(), match.end()
            if any(covered[start:end]):
                continue
            before = start
            while before > 0 and _ARABIC_LETTER.match(text[before - 1]):
                before -= 1
            prefix = text[before:start]
            if prefix not in _PROCLITICS or (end < len(text) and _ARABIC_LETTER.match(text[end])):
                continue
            context = text[max(0, start - 25):min(len(text), end + 25)].replace("\n", " ")
            warnings.append(f"{report['id']}: unannotated {surface!r} at {start}: …{context}…")
    return warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=Path("eval/testset/src"))
    parser.add_argument("--out-dir", type=Path, default=Path("eval/testset"))
    parser.add_argument("--actors", type=Path, default=Path("eval/src/actors.json"),
                        help="the canonical actor table shared with the dev set")
    parser.add_argument("--gazetteer", type=Path,
                        default=Path("../shared/data/syria_gazetteer/syria_admin_gazetteer_flat.csv"))
    parser.add_argument("--strict", action="store_true", help="fail on lint warnings")
    args = parser.parse_args(argv)

    builder = load_builder()
    actors = json.loads(args.actors.read_text(encoding="utf-8"))
    actors.pop("_comment", None)
    governorate_codes = builder.load_governorate_codes(args.gazetteer)
    reports, golds = [], []
    try:
        for path in sorted(args.src.glob("*.txt")):
            for block in builder.read_blocks(path):
                report, gold = builder.build_lines(block, actors, governorate_codes)
                reports.append(report)
                golds.append(gold)
    except builder.MarkupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    duplicates = [i for i, n in Counter(r["id"] for r in reports).items() if n > 1]
    if duplicates:
        print(f"error: duplicate ids {duplicates}", file=sys.stderr)
        return 1
    warnings = [w for report, gold in zip(reports, golds) for w in lint_report(report, gold)]
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if warnings and args.strict:
        return 1

    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in (("reports.jsonl", reports), ("gold.jsonl", golds)):
        with (args.out_dir / name).open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(builder.summarise(reports, golds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
