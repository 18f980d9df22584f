"""Build the annotated development set from its marked-up sources.

The sources (``eval/src/*.txt``) hold one block per report: a small header
(id, source, published_at, url, title, killed, injured, signals) and the
report body with inline markup. This script strips the markup, computes every
character offset from it, checks each span, and writes two files:

* ``eval/devset_reports.jsonl``: the reports, in the ``rasd analyze`` input
  format ``{"id", "text", "published_at", "source", "url", "title"}``;
* ``eval/devset.jsonl``: the gold analysis of each report, in the
  ``rasd analyze`` output contract.

Markup (no nesting):

* ``[[هيئة تحرير الشام|ORG|hts]]``: an ORG or PER entity, with an optional
  canonical actor id (from ``eval/src/actors.json``);
* ``[[سهل الغاب|LOC|Hama|feature|Al-Ghab Plain]]``: a LOC entity and its place:
  governorate (``-`` outside Syria), precision, English name;
* ``{{اشتباكات|armed_clash}}``: an event trigger;
* ``\\u200f``: an escaped character (bidi marks and other invisibles).

Usage::

    python scripts/build_devset.py [--src eval/src] [--out-dir eval]
        [--seed ../shared/seed/sohr-2018-08-idlib-negotiations.txt]
        [--gazetteer ../shared/data/syria_gazetteer/syria_admin_gazetteer_flat.csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rasd.schema import ENTITY_TYPES, EVENT_TYPES, GOVERNORATES, PLACE_PRECISIONS

ESCALATORY_SIGNALS = (
    "mobilisation",
    "offensive_preparation",
    "new_fighting",
    "heavy_weapons",
    "mass_casualties",
    "ultimatum_threat",
    "truce_breakdown",
)
DEESCALATORY_SIGNALS = ("talks", "truce", "agreement", "displaced_return")

_BLOCK_START = "### id:"
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_MARKUP = re.compile(r"\[\[(?P<entity>[^\[\]]+)\]\]|\{\{(?P<event>[^{}]+)\}\}")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3]")
# Proclitics an entity may carry in front of it (with an optional tatweel after them).
_ALLOWED_PREFIXES = {"", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "فك"}
_TATWEEL = "\u0640"


@dataclass
class Block:
    """One report as written in a source file."""

    path: Path
    header: dict[str, str]
    body: str


@dataclass
class Annotated:
    """One report after its markup has been resolved."""

    text: str
    entities: list[dict] = field(default_factory=list)
    places: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)


class MarkupError(ValueError):
    """A source block is malformed; the message names the report."""


def read_blocks(path: Path) -> list[Block]:
    """Split one source file into report blocks.

    Args:
        path: a ``eval/src/*.txt`` file.

    Returns:
        The blocks in file order.
    """
    blocks: list[Block] = []
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith(_BLOCK_START):
            if current is not None:
                blocks.append(parse_block(path, current))
            current = [line]
        elif current is not None:
            current.append(line)
    if current is not None:
        blocks.append(parse_block(path, current))
    return blocks


def parse_block(path: Path, lines: list[str]) -> Block:
    """Separate a block's header (up to the ``---`` line) from its body."""
    header: dict[str, str] = {"id": lines[0][len(_BLOCK_START):].strip()}
    try:
        split = lines.index("---")
    except ValueError as exc:
        raise MarkupError(f"{path}: block {header['id']} has no '---' line") from exc
    for line in lines[1:split]:
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.partition(":")
        header[key.strip()] = value.strip()
    body = "\n".join(lines[split + 1:]).strip("\n")
    return Block(path, header, body)


def resolve_markup(body: str, report_id: str, actors: dict[str, dict]) -> Annotated:
    """Strip the inline markup from a body and collect the spans it marked.

    Args:
        body: the marked-up report text (escapes not yet applied).
        report_id: used in error messages.
        actors: the canonical actor table.

    Returns:
        The plain text with its entities, places and event triggers.
    """
    source = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), body)
    out: list[str] = []
    result = Annotated(text="")
    length = 0
    cursor = 0
    for match in _MARKUP.finditer(source):
        plain = source[cursor:match.start()]
        out.append(plain)
        length += len(plain)
        parts = (match.group("entity") or match.group("event")).split("|")
        surface = parts[0]
        if surface != surface.strip() or not surface:
            raise MarkupError(f"{report_id}: span {surface!r} has surrounding spaces")
        start, end = length, length + len(surface)
        if match.group("entity") is not None:
            add_entity(result, parts, start, end, report_id, actors)
        else:
            if len(parts) != 2 or parts[1] not in EVENT_TYPES:
                raise MarkupError(f"{report_id}: bad event markup {match.group(0)!r}")
            result.events.append({"type": parts[1], "trigger_text": surface, "start": start, "end": end})
        out.append(surface)
        length = end
        cursor = match.end()
    out.append(source[cursor:])
    result.text = "".join(out)
    for leftover in ("[[", "]]", "{{", "}}"):
        if leftover in result.text:
            raise MarkupError(f"{report_id}: unbalanced markup {leftover!r}")
    return result


def add_entity(result: Annotated, parts: list[str], start: int, end: int,
               report_id: str, actors: dict[str, dict]) -> None:
    """Record one ``[[...]]`` span as an entity (and a place when it is a LOC)."""
    surface, etype = parts[0], parts[1] if len(parts) > 1 else ""
    if etype not in ENTITY_TYPES:
        raise MarkupError(f"{report_id}: bad entity type in {parts!r}")
    entity = {"text": surface, "type": etype, "start": start, "end": end,
              "canonical_id": None, "canonical_name_en": None}
    if etype == "LOC":
        if len(parts) not in (5, 6):
            raise MarkupError(f"{report_id}: LOC needs governorate|precision|name_en: {parts!r}")
        governorate = None if parts[2] == "-" else parts[2]
        if governorate is not None and governorate not in GOVERNORATES:
            raise MarkupError(f"{report_id}: unknown governorate {parts[2]!r}")
        if parts[3] not in PLACE_PRECISIONS:
            raise MarkupError(f"{report_id}: unknown precision {parts[3]!r}")
        entity["canonical_name_en"] = parts[4]
        result.places.append({
            "text": surface, "start": start, "end": end, "gazetteer_id": None,
            "name_ar": parts[5] if len(parts) == 6 else surface, "name_en": parts[4],
            "governorate": governorate, "pcode": None, "lat": None, "lon": None,
            "precision": parts[3],
        })
    else:
        if len(parts) not in (2, 3):
            raise MarkupError(f"{report_id}: {etype} takes at most one canonical id: {parts!r}")
        if len(parts) == 3:
            if parts[2] not in actors:
                raise MarkupError(f"{report_id}: unknown actor id {parts[2]!r}")
            entity["canonical_id"] = parts[2]
            entity["canonical_name_en"] = actors[parts[2]]["name_en"]
    result.entities.append(entity)


def check_boundaries(annotated: Annotated, report_id: str) -> None:
    """Entities must start after whitespace or a proclitic and end at a word boundary.

    Catches markup placed inside a word, e.g. ``و[[...`` written as ``[[و...``.
    """
    text = annotated.text
    for entity in annotated.entities:
        start, end = entity["start"], entity["end"]
        if text[start:end] != entity["text"]:
            raise MarkupError(f"{report_id}: offsets of {entity['text']!r} are wrong")
        prefix_start = start
        while prefix_start > 0 and (_ARABIC_LETTER.match(text[prefix_start - 1]) or text[prefix_start - 1] == _TATWEEL):
            prefix_start -= 1
        prefix = text[prefix_start:start].replace(_TATWEEL, "")
        if prefix not in _ALLOWED_PREFIXES:
            raise MarkupError(f"{report_id}: entity {entity['text']!r} starts inside a word (prefix {prefix!r})")
        if end < len(text) and _ARABIC_LETTER.match(text[end]):
            raise MarkupError(f"{report_id}: entity {entity['text']!r} ends inside a word")


def parse_count(value: str, report_id: str, key: str) -> int | None:
    """Header ``killed``/``injured``: a non-negative integer or ``null``."""
    if value == "null":
        return None
    if not value.isdigit():
        raise MarkupError(f"{report_id}: {key} must be an integer or null, got {value!r}")
    return int(value)


def parse_signals(value: str, text: str, report_id: str) -> list[dict]:
    """Header ``signals``: ``name=evidence; name=evidence`` with evidence found in the text."""
    signals = []
    for item in filter(None, (part.strip() for part in value.split(";"))):
        name, _, evidence = item.partition("=")
        name, evidence = name.strip(), evidence.strip()
        if name not in ESCALATORY_SIGNALS + DEESCALATORY_SIGNALS:
            raise MarkupError(f"{report_id}: unknown signal {name!r}")
        if not evidence or evidence not in text:
            raise MarkupError(f"{report_id}: evidence of {name} not in text: {evidence!r}")
        signals.append({"name": name, "evidence_text": evidence})
    names = [s["name"] for s in signals]
    if len(names) != len(set(names)):
        raise MarkupError(f"{report_id}: a signal is listed twice")
    return signals


def decide_escalatory(signals: list[dict]) -> bool:
    """More kinds of escalatory than de-escalatory signals; a tie is not escalatory."""
    names = {s["name"] for s in signals}
    return len(names & set(ESCALATORY_SIGNALS)) > len(names & set(DEESCALATORY_SIGNALS))


def load_governorate_codes(path: Path | None) -> dict[str, tuple[str, float, float]]:
    """Governorate name -> (P-code, lat, lon) from the flat admin gazetteer, if given."""
    if path is None or not path.exists():
        return {}
    with path.open(encoding="utf-8") as fh:
        return {row["name_en"]: (row["ocha_pcode"], float(row["lat"]), float(row["lon"]))
                for row in csv.DictReader(fh) if row["level"] == "1"}


def build_lines(block: Block, actors: dict[str, dict],
                governorate_codes: dict[str, tuple[str, float, float]]) -> tuple[dict, dict]:
    """Turn one block into its report line and its gold line."""
    header = block.header
    report_id = header["id"]
    annotated = resolve_markup(block.body, report_id, actors)
    check_boundaries(annotated, report_id)
    for place in annotated.places:
        if place["precision"] == "governorate" and place["governorate"] in governorate_codes:
            place["pcode"], place["lat"], place["lon"] = governorate_codes[place["governorate"]]
    signals = parse_signals(header.get("signals", ""), annotated.text, report_id)
    escalatory = decide_escalatory(signals)
    report = {
        "id": report_id,
        "text": annotated.text,
        "published_at": header.get("published_at") or None,
        "source": header.get("source") or None,
        "url": None if header.get("url", "null") == "null" else header["url"],
        "title": header.get("title") or None,
    }
    actor_ids = list(dict.fromkeys(e["canonical_id"] for e in annotated.entities
                                   if e["canonical_id"] and e["type"] in ("ORG", "PER")))
    gold = {
        "id": report_id,
        "language": "ar",
        "entities": annotated.entities,
        "actors": [{"id": a, "name_ar": actors[a]["name_ar"], "name_en": actors[a]["name_en"],
                    "kind": actors[a]["kind"]} for a in actor_ids],
        "places": annotated.places,
        "event_types": sorted({e["type"] for e in annotated.events}, key=EVENT_TYPES.index),
        "events": annotated.events,
        "killed": parse_count(header.get("killed", "null"), report_id, "killed"),
        "injured": parse_count(header.get("injured", "null"), report_id, "injured"),
        "escalation": {"score": None, "escalatory": escalatory, "signals": signals},
        "error": None,
    }
    return report, gold


def summarise(reports: list[dict], golds: list[dict]) -> str:
    """Counts per outlet, governorate and event type, for the README and the log."""
    outlets = Counter(r["source"] for r in reports)
    governorates = Counter(g for gold in golds for g in {p["governorate"] for p in gold["places"]} if g)
    events = Counter(t for gold in golds for t in gold["event_types"])
    lines = [f"reports: {len(reports)}"]
    lines.append("per outlet: " + ", ".join(f"{k}={v}" for k, v in outlets.most_common()))
    lines.append("per governorate (reports naming it): "
                 + ", ".join(f"{g}={governorates.get(g, 0)}" for g in GOVERNORATES))
    lines.append("per event type (reports): " + ", ".join(f"{t}={events.get(t, 0)}" for t in EVENT_TYPES))
    lengths = sorted(len(r["text"]) for r in reports)
    lines.append(f"text length (chars): min={lengths[0]} median={lengths[len(lengths) // 2]} max={lengths[-1]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=Path("eval/src"))
    parser.add_argument("--out-dir", type=Path, default=Path("eval"))
    parser.add_argument("--seed", type=Path,
                        default=Path("../shared/seed/sohr-2018-08-idlib-negotiations.txt"),
                        help="the real seed report; its text must come out of the markup unchanged")
    parser.add_argument("--gazetteer", type=Path,
                        default=Path("../shared/data/syria_gazetteer/syria_admin_gazetteer_flat.csv"),
                        help="flat admin gazetteer, for governorate P-codes and centroids (optional)")
    args = parser.parse_args(argv)

    actors = json.loads((args.src / "actors.json").read_text(encoding="utf-8"))
    actors.pop("_comment", None)
    governorate_codes = load_governorate_codes(args.gazetteer)
    reports, golds = [], []
    try:
        for path in sorted(args.src.glob("*.txt")):
            for block in read_blocks(path):
                report, gold = build_lines(block, actors, governorate_codes)
                reports.append(report)
                golds.append(gold)
    except MarkupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    ids = [r["id"] for r in reports]
    if len(ids) != len(set(ids)):
        print(f"error: duplicate ids {[i for i, n in Counter(ids).items() if n > 1]}", file=sys.stderr)
        return 1
    seed_id = args.seed.stem
    if args.seed.exists():
        seed_text = args.seed.read_text(encoding="utf-8")
        built = next((r["text"] for r in reports if r["id"] == seed_id), None)
        if built != seed_text:
            print(f"error: the markup of {seed_id} does not reproduce the seed text", file=sys.stderr)
            return 1
    else:
        print(f"warning: seed {args.seed} not found; its text was not checked", file=sys.stderr)

    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in (("devset_reports.jsonl", reports), ("devset.jsonl", golds)):
        with (args.out_dir / name).open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(summarise(reports, golds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
