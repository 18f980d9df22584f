"""The analysis stage's work, runnable in child processes (no Faust here: children import only this).

Analysis is CPU-bound pure Python, so coroutines cannot spread it over cores; the
analysis agent hands batches of raw reports to a pool of processes, each holding
its own analyzer, and gets back the messages to send.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from rasd.analysis.analyzer import Analyzer, IdentityAnalyzer
from rasd.dead_letter import DeadLetter
from rasd.embedded import analyse_raw
from rasd.escalation.detector import EscalationDetector
from rasd.stories import StoryIndex, encode_signature
from streams.messages import encode_analysed

Outcome = tuple[Literal["analysed", "refused"], bytes, bytes]


@lru_cache(maxsize=1)
def stage_analyzer() -> Analyzer:
    """The analyzer of this process (``RASD_ANALYSIS=identity``: none, the baseline of ``make bench``)."""
    return IdentityAnalyzer() if os.environ.get("RASD_ANALYSIS") == "identity" else Analyzer.pretrained()


@lru_cache(maxsize=1)
def story_signer() -> StoryIndex:
    """An index with the stories stage's parameters, used only to sign texts (MinHash) here, in parallel."""
    return StoryIndex()


@lru_cache(maxsize=1)
def escalation_keys_of() -> EscalationDetector:
    return EscalationDetector.from_data(store={})


def warm_up() -> None:
    """Load the analyzer and the escalation configuration (a pool initializer)."""
    stage_analyzer()
    escalation_keys_of()
    story_signer()


def analysis_processes(raw: str | None, cores: int | None) -> int:
    """How many analysis child processes a worker runs (``RASD_ANALYSIS_PROCESSES``).

    Args:
        raw: the variable's value: a count (0: analyse in the worker's event loop), or ``auto``/unset:
            one fewer than the cores (the event loop keeps one for the other stages), at most 4.
        cores: the machine's cores (``os.cpu_count()``, None when unknown).

    Raises:
        ValueError: not a count and not ``auto``.
    """
    if raw is None or raw.strip().lower() in ("", "auto"):
        return max(0, min(4, (cores or 1) - 1))
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"RASD_ANALYSIS_PROCESSES must be a count or 'auto', got {raw!r}") from None
    if value < 0:
        raise ValueError(f"RASD_ANALYSIS_PROCESSES must not be negative, got {value}")
    return value


def analyse_message(raw: bytes) -> Outcome:
    """Validate and analyse one raw report into the message the next stage gets.

    Args:
        raw: a message of the reports topic, e.g. ``b'{"id": "r1", "text": "قصفت قوات النظام كفرنبل"}'``.

    Returns:
        ``("analysed", report id, analysed message)``, or ``("refused", code, dead letter)``.
    """
    result = analyse_raw(raw, stage_analyzer())
    if isinstance(result, DeadLetter):
        return "refused", f"{result.code}: {result.message}".encode("utf-8"), result.to_json_bytes()
    keys = escalation_keys_of().keys_for(result.analysis)
    signature = story_signer().signature(result.report.text, result.normalized_text or None)
    return "analysed", result.report.id.encode("utf-8"), encode_analysed(
        result.to_dict(), keys, encode_signature(signature) if signature else "")


def analyse_messages(raws: list[bytes]) -> list[Outcome]:
    """:func:`analyse_message` over a chunk of a batch (one round trip to a child process)."""
    return [analyse_message(raw) for raw in raws]
