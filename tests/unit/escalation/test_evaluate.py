"""The evaluation, run on a short stream through the real analysis."""

import json

import pytest

from rasd.escalation.evaluate import evaluate, format_scores, main


@pytest.fixture(scope="module")
def scores():
    return evaluate([1], weeks=4)


def test_the_detector_finds_most_planted_episodes_and_sends_few_false_signals(scores):
    assert scores["streams"] == 1 and scores["reports"] > 800
    assert scores["recall"]["episodes"] >= 0.7 and scores["recall"]["planted"] >= 12
    assert scores["signals"]["precision"] >= 0.7
    assert scores["per_key_week"]["false"] <= 0.06 and scores["per_key_week"]["signals"] <= 0.4


def test_the_analysis_finds_what_was_planted_and_detection_is_fast(scores):
    assert scores["analysis_check"]["governorate_found"] >= 0.95
    assert scores["analysis_check"]["dyad_found"] >= 0.9
    assert 0 < scores["speed"]["ms_per_report_key"] < 1.0


def test_the_report_names_every_figure(scores):
    text = format_scores({k: v for k, v in scores.items() if k != "parameters"}, scores["parameters"])
    assert text.startswith("escalation detector on 1 synthetic stream: ")
    for part in ("precision", "recall", "burst", "per key-week", "cold start", "analysis", "ms per report-key"):
        assert part in text


def test_the_command_prints_json(capsys):
    assert main(["--seeds", "1", "--weeks", "3", "--json", "--set", "quiet_hours=12"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["parameters"]["quiet_hours"] == 12 and "recall" in printed
