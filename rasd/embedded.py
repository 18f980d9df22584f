"""``rasd run`` with no Kafka or Elasticsearch: the core stages in one process on the sample reports.

It reads the bundled sample reports (and any JSONL files given), validates and
analyses each one, and prints what a newcomer should see: per report the actors,
places, event types, tolls and escalation, then the top actors and places.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import Iterable, TextIO

from rasd.analysis.analyzer import Analyzer, analyze_line
from rasd.resources import data_path
from rasd.schema import Analysis


def sample_report_files() -> list[Path]:
    """The bundled sample report files (JSONL)."""
    return sorted(data_path("samples").glob("*.jsonl"))


def read_lines(paths: Iterable[Path]) -> Iterable[bytes]:
    for path in paths:
        with path.open("rb") as fh:
            for line in fh:
                line = line.rstrip(b"\r\n")
                if line.strip():
                    yield line


def format_analysis(result: Analysis) -> str:
    """One short human-readable block for an analysis."""
    if result.error is not None:
        return f"✗ {result.id or '(no id)'}: refused — {result.error.code}: {result.error.message}"
    actors = ", ".join(a.name_en for a in result.actors) or "—"
    places = ", ".join(sorted({f"{p.name_en} ({p.governorate or 'outside Syria'})" for p in result.places})) or "—"
    events = ", ".join(result.event_types) or "—"
    toll = f"killed {result.killed if result.killed is not None else '?'}, injured {result.injured if result.injured is not None else '?'}"
    esc = result.escalation
    signals = ", ".join(s.name for s in esc.signals) or "none"
    flag = "ESCALATORY" if esc.escalatory else "not escalatory"
    return (
        f"● {result.id}\n"
        f"    actors : {actors}\n"
        f"    places : {places}\n"
        f"    events : {events}  ({toll})\n"
        f"    escalation {esc.score:.2f} {flag} — signals: {signals}"
    )


def run_embedded(extra_inputs: list[str], out: TextIO = sys.stdout) -> int:
    """Analyse the sample reports and any extra JSONL files; print results and a summary."""
    paths = sample_report_files() + [Path(p) for p in extra_inputs]
    started = time.perf_counter()
    analyzer = Analyzer.pretrained()
    loaded = time.perf_counter() - started
    results: list[Analysis] = []
    analysis_started = time.perf_counter()
    for line in read_lines(paths):
        result = analyze_line(line, analyzer)
        results.append(result)
        print(format_analysis(result), file=out)
    took = time.perf_counter() - analysis_started
    ok = [r for r in results if r.error is None]
    actor_counts = Counter(a.name_en for r in ok for a in r.actors)
    place_counts = Counter(p.name_en for r in ok for p in r.places)
    gov_counts = Counter(p.governorate for r in ok for p in r.places if p.governorate)
    print("\nsummary", file=out)
    print(f"  reports analysed: {len(ok)}  refused: {len(results) - len(ok)}  "
          f"(models loaded in {loaded:.2f}s, analysis {took * 1000 / max(len(results), 1):.1f} ms/report)", file=out)
    print(f"  top actors: {', '.join(f'{n} ×{c}' for n, c in actor_counts.most_common(8)) or '—'}", file=out)
    print(f"  top places: {', '.join(f'{n} ×{c}' for n, c in place_counts.most_common(8)) or '—'}", file=out)
    print(f"  governorates: {', '.join(f'{n} ×{c}' for n, c in gov_counts.most_common()) or '—'}", file=out)
    print(f"  escalatory reports: {sum(r.escalation.escalatory for r in ok)} of {len(ok)}", file=out)
    return 0
