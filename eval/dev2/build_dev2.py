"""Build the second development set (dev2) with the dev set's builder, plus a lint.

The sources (``eval/dev2/src/*.txt``) use the markup of ``scripts/build_devset.py``
(read its docstring and ``eval/README.md``); the actor ids are the dev set's
(``eval/src/actors.json``). Every block goes through the builder's own checks
(span offsets, word boundaries, known ids, governorates, precisions, event types,
signal evidence found in the text), then through a lint of this set:

* every further occurrence of an annotated name, at a word boundary and outside
  every annotated span, must be annotated too (the conventions annotate every
  mention); a block may waive a surface with ``unmarked: surface; surface`` when a
  comment says why (e.g. a word that is a name in one place and generic in another);
* each block carries ``focus:`` (which weak spot it exercises, from ``FOCUS_TAGS``)
  and at least one ``#`` comment explaining its hard decisions;
* ``published_at`` is an ISO date-time with a time zone, between 2012 and 2025.

Writes ``reports.jsonl`` (``rasd analyze`` input) and ``gold.jsonl`` (its gold
output) to ``--out-dir`` and prints counts per outlet, governorate, event type,
focus and year.

Usage::

    python eval/dev2/build_dev2.py [--src eval/dev2/src] [--actors eval/src/actors.json]
        [--out-dir eval/dev2]
        [--gazetteer ../shared/data/syria_gazetteer/syria_admin_gazetteer_flat.csv]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

FOCUS_TAGS = ("casualties", "indirect_events", "not_events", "escalation")
FIRST_YEAR, LAST_YEAR = 2012, 2025
_BUILDER_PATH = Path(__file__).resolve().parents[2] / "scripts" / "build_devset.py"
_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3]")
_TATWEEL = "\u0640"
# A letter, a diacritic (tanween, harakat, dagger alif) or tatweel: what continues a word.
_WORD_CHAR = re.compile(r"[\u0621-\u065F\u0670-\u06D3]")
_PROCLITICS = {"", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "فك"}


def load_builder():
    """Import ``scripts/build_devset.py`` as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("build_devset", _BUILDER_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def split_list(value: str) -> list[str]:
    """``"a; b ,c"`` -> ``["a", "b", "c"]`` (a header value listing items, ``;`` or ``,`` between them)."""
    return [item.strip() for item in re.split(r"[;,]", value) if item.strip()]


def find_unmarked_mentions(text: str, entities: list[dict], waived: set[str]) -> list[str]:
    """Occurrences of an annotated surface that are not themselves annotated.

    An occurrence counts when it starts after whitespace, punctuation or a
    proclitic (و ف ب ل ك and their pairs), does not run into a following letter
    or diacritic and overlaps no annotated span.

    Args:
        text: the report text.
        entities: its gold entities (``text``, ``start``, ``end``).
        waived: surfaces the block lists under ``unmarked:``.

    Returns:
        One message per unannotated occurrence, e.g. ``"'حلب' at 120"``.

    Example:
        >>> find_unmarked_mentions("قصف حلب وريف حلب", [{"text": "حلب", "start": 4, "end": 7}], set())
        ["'حلب' at 13"]
    """
    spans = [(e["start"], e["end"]) for e in entities]
    problems = []
    for surface in sorted({e["text"] for e in entities} - waived):
        for match in re.finditer(re.escape(surface), text):
            start, end = match.span()
            if any(start < b and a < end for a, b in spans):
                continue
            head = start
            while head > 0 and (_ARABIC_LETTER.match(text[head - 1]) or text[head - 1] == _TATWEEL):
                head -= 1
            if text[head:start].replace(_TATWEEL, "") not in _PROCLITICS:
                continue
            if end < len(text) and _WORD_CHAR.match(text[end]):
                continue  # another word, e.g. the adjective "سورياً" after the name "سوريا"
            problems.append(f"{surface!r} at {start}")
    return problems


def read_block_comments(path: Path) -> dict[str, list[str]]:
    """Report id -> the ``#`` comment lines of its header, read from the raw file."""
    comments: dict[str, list[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("### id:"):
            current = line[len("### id:"):].strip()
            comments[current] = []
        elif line == "---":
            current = None
        elif current is not None and line.startswith("#"):
            comments[current].append(line)
    return comments


def lint_block(header: dict[str, str], gold: dict, text: str, comments: list[str]) -> list[str]:
    """Problems of one built report beyond what the builder checks (empty when clean)."""
    problems = []
    focus = split_list(header.get("focus", ""))
    if not focus or set(focus) - set(FOCUS_TAGS):
        problems.append(f"focus must list some of {FOCUS_TAGS}, got {focus}")
    if not comments:
        problems.append("no '#' comment explaining the annotation")
    try:
        published = datetime.fromisoformat(header.get("published_at", ""))
    except ValueError:
        published = None
    if published is None or published.tzinfo is None or not FIRST_YEAR <= published.year <= LAST_YEAR:
        problems.append(f"published_at {header.get('published_at')!r} is not a zoned date-time in "
                        f"{FIRST_YEAR}-{LAST_YEAR}")
    for key in ("source", "title", "killed", "injured", "signals"):
        if key not in header:
            problems.append(f"header has no {key}:")
    waived = set(split_list(header.get("unmarked", "")))
    problems += [f"unannotated mention {m}" for m in find_unmarked_mentions(text, gold["entities"], waived)]
    return problems


def summarise_dev2(builder, reports: list[dict], golds: list[dict], focus: dict[str, list[str]]) -> str:
    """The builder's summary plus counts per focus tag, year and casualty kind."""
    lines = [builder.summarise(reports, golds)]
    tags = Counter(tag for tags in focus.values() for tag in tags)
    lines.append("per focus (reports): " + ", ".join(f"{t}={tags.get(t, 0)}" for t in FOCUS_TAGS))
    years = Counter(r["published_at"][:4] for r in reports)
    lines.append("per year: " + ", ".join(f"{y}={n}" for y, n in sorted(years.items())))
    escalatory = sum(g["escalation"]["escalatory"] for g in golds)
    lines.append(f"escalatory {escalatory}, not escalatory {len(golds) - escalatory}; "
                 f"killed null {sum(g['killed'] is None for g in golds)}, "
                 f"zero {sum(g['killed'] == 0 for g in golds)}; "
                 f"injured null {sum(g['injured'] is None for g in golds)}, "
                 f"zero {sum(g['injured'] == 0 for g in golds)}")
    sizes = sorted(len(r["text"].encode("utf-8")) for r in reports)
    lines.append(f"text size (bytes): min={sizes[0]} median={sizes[len(sizes) // 2]} max={sizes[-1]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=Path("eval/dev2/src"))
    parser.add_argument("--actors", type=Path, default=Path("eval/src/actors.json"))
    parser.add_argument("--out-dir", type=Path, default=Path("eval/dev2"))
    parser.add_argument("--gazetteer", type=Path,
                        default=Path("../shared/data/syria_gazetteer/syria_admin_gazetteer_flat.csv"),
                        help="flat admin gazetteer, for governorate P-codes and centroids (optional)")
    args = parser.parse_args(argv)

    builder = load_builder()
    actors = json.loads(args.actors.read_text(encoding="utf-8"))
    actors.pop("_comment", None)
    governorate_codes = builder.load_governorate_codes(args.gazetteer)
    reports, golds, focus, problems = [], [], {}, []
    for path in sorted(args.src.glob("*.txt")):
        comments = read_block_comments(path)
        for block in builder.read_blocks(path):
            try:
                report, gold = builder.build_lines(block, actors, governorate_codes)
            except builder.MarkupError as exc:
                problems.append(f"{path.name}: {exc}")
                continue
            problems += [f"{path.name}: {report['id']}: {p}"
                         for p in lint_block(block.header, gold, report["text"], comments.get(report["id"], []))]
            reports.append(report)
            golds.append(gold)
            focus[report["id"]] = split_list(block.header.get("focus", ""))
    duplicated = [i for i, n in Counter(r["id"] for r in reports).items() if n > 1]
    problems += [f"duplicate id {i}" for i in duplicated]
    if problems:
        print("\n".join(f"error: {p}" for p in problems), file=sys.stderr)
        return 1
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in (("reports.jsonl", reports), ("gold.jsonl", golds)):
        with (args.out_dir / name).open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    print(summarise_dev2(builder, reports, golds, focus))
    return 0


if __name__ == "__main__":
    sys.exit(main())
