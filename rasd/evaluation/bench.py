"""``rasd bench`` / ``make bench``: analysis throughput against camel-tools' bare pass, in one run.

Both passes run over the same texts in the same process on one core, interleaved in
rounds so machine noise hits both alike: the *bare* pass is what any Arabic pipeline
does first (camel-tools' normalize_unicode, dediac_ar, the three normalize_* functions
and simple_word_tokenize); the *full* pass is rasd's whole analysis. The ratio
``analysis/bare throughput`` says what our extraction costs on top of that floor.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path
from typing import Callable, Sequence

from rasd.resources import data_path

DEFAULT_MIXED = (Path("eval/devset_reports.jsonl"),)


def bare_camel_pass(text: str) -> int:
    """The bare camel-tools pass over one text; returns the token count (so nothing is optimised away)."""
    from camel_tools.tokenizers.word import simple_word_tokenize
    from camel_tools.utils.dediac import dediac_ar
    from camel_tools.utils.normalize import (normalize_alef_ar, normalize_alef_maksura_ar,
                                             normalize_teh_marbuta_ar, normalize_unicode)

    t = normalize_unicode(text)
    t = dediac_ar(t)
    t = normalize_alef_ar(t)
    t = normalize_alef_maksura_ar(t)
    t = normalize_teh_marbuta_ar(t)
    return len(simple_word_tokenize(t))


def load_texts(paths: Sequence[Path], only_id: str | None = None) -> list[str]:
    """The texts of the valid reports in JSONL files (malformed sample lines are skipped)."""
    texts: list[str] = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    report = json.loads(line)
                except ValueError:
                    continue
                if isinstance(report, dict) and isinstance(report.get("text"), str) and (
                        only_id is None or report.get("id") == only_id):
                    texts.append(report["text"])
    return texts


def time_pass(fn: Callable[[str], object], texts: Sequence[str], min_seconds: float) -> float:
    """Seconds per pass over ``texts`` (the median of as many passes as fit in ``min_seconds``, at least 3)."""
    timings: list[float] = []
    started = time.perf_counter()
    while len(timings) < 3 or time.perf_counter() - started < min_seconds:
        t0 = time.perf_counter()
        for text in texts:
            fn(text)
        timings.append(time.perf_counter() - t0)
    return statistics.median(timings)


def bench_corpus(name: str, texts: Sequence[str], analyse: Callable[[str], object], rounds: int, seconds: float) -> float:
    """Print bare vs full figures for one corpus; return the throughput ratio."""
    size_mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    bare_runs, full_runs = [], []
    for _ in range(rounds):  # interleaved so noise falls on both passes alike
        bare_runs.append(time_pass(bare_camel_pass, texts, seconds))
        full_runs.append(time_pass(analyse, texts, seconds))
    bare, full = statistics.median(bare_runs), statistics.median(full_runs)
    print(f"[{name}] {len(texts)} docs, {size_mb * 1000:.1f} kB")
    print(f"  bare camel-tools pass : {len(texts) / bare:10.1f} docs/s  {size_mb / bare:7.2f} MB/s")
    print(f"  full rasd analysis    : {len(texts) / full:10.1f} docs/s  {size_mb / full:7.2f} MB/s  "
          f"({full / len(texts) * 1000:.2f} ms/doc)")
    ratio = bare / full
    print(f"  analysis/bare throughput ratio: {ratio:.3f}")
    return ratio


def run_bench(args: argparse.Namespace) -> int:
    from rasd.analysis.analyzer import Analyzer
    from rasd.schema import Report

    t0 = time.perf_counter()
    analyzer = Analyzer.pretrained()
    print(f"models and data loaded in {time.perf_counter() - t0:.2f}s")

    def analyse(text: str) -> object:
        return analyzer.analyze(Report(id="bench", text=text))

    seed = load_texts([data_path("samples/reports.jsonl")], only_id="sohr-2018-08-idlib-negotiations")
    mixed_paths = [p for p in DEFAULT_MIXED if p.exists()] or [data_path("samples/reports.jsonl")]
    mixed = load_texts(mixed_paths)
    rounds, seconds = getattr(args, "rounds", 3), getattr(args, "seconds", 1.0)
    bench_corpus("seed report", seed, analyse, rounds, seconds)
    ratio = bench_corpus("mixed corpus", mixed, analyse, rounds, seconds)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB")
    print(f"analysis/bare throughput ratio: {ratio:.3f}")
    return 0
