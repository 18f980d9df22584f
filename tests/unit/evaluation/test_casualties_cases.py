"""Tests of the casualty case scorer, and of the integrity of the case set itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rasd.errors import DataError
from rasd.evaluation.casualty_cases import DEFAULT_CASES, format_scores, load_cases, score_cases

CASES = Path(__file__).resolve().parents[3] / DEFAULT_CASES


def write_cases(path: Path, cases: list[dict]) -> Path:
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    return path


def test_score_cases_counts_exact_matches_and_lists_failures():
    cases = [
        {"id": "a", "text": "مقتل 3", "killed": 3, "injured": None},
        {"id": "b", "text": "إصابة 2", "killed": None, "injured": 2},
        {"id": "c", "text": "لا إصابات", "killed": 0, "injured": 0},
    ]
    predicted = {"a": (3, None), "b": (None, 5), "c": (None, None)}
    scores = score_cases(cases, lambda case_id, _text: predicted[case_id])
    assert (scores.cases, scores.killed, scores.injured, scores.both) == (3, 2, 1, 1)
    assert [r.id for r in scores.failures] == ["b", "c"]
    text = format_scores(scores)
    assert "both exact        1/3  0.333" in text
    assert "c  (null, null)  (0, 0)" in text


def test_load_cases_rejects_a_count_that_is_not_an_int(tmp_path):
    path = write_cases(tmp_path / "cases.jsonl", [{"id": "a", "text": "x", "killed": "3", "injured": None}])
    with pytest.raises(DataError, match="killed must be an int or null"):
        load_cases(path)


def test_case_set_is_well_formed():
    cases = load_cases(CASES)
    assert len(cases) >= 80
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids))
    for case in cases:
        assert case["source"] and case["note"], case["id"]
        assert 1 <= case["text"].count(".") + case["text"].count("\n") + 1 <= 6, case["id"]
