"""Tests of the dev-set scorer, and of the integrity of the dev set itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rasd.errors import DataError
from rasd.evaluation.devset import (
    Counts,
    find_counterpart,
    format_report,
    main,
    read_jsonl,
    score,
)
from rasd.schema import EVENT_TYPES, GOVERNORATES

REPO = Path(__file__).resolve().parents[3]
GOLD_PATH = REPO / "eval" / "devset.jsonl"
REPORTS_PATH = REPO / "eval" / "devset_reports.jsonl"

TEXT_1 = "قصفت قوات النظام وهيئة تحرير الشام بلدة كفرنبودة بريف حماة، ما أدى لمقتل 3 مدنيين."
TEXT_2 = "عادت 100 عائلة إلى بلدة القصير في ريف حمص برعاية الهلال الأحمر."


def span(text: str, surface: str, start_from: int = 0) -> tuple[int, int]:
    start = text.index(surface, start_from)
    return start, start + len(surface)


def entity(text: str, surface: str, etype: str, canonical_id: str | None = None) -> dict:
    start, end = span(text, surface)
    return {"text": surface, "type": etype, "start": start, "end": end,
            "canonical_id": canonical_id, "canonical_name_en": None}


def place(text: str, surface: str, governorate: str | None) -> dict:
    start, end = span(text, surface)
    return {"text": surface, "start": start, "end": end, "gazetteer_id": None, "name_ar": surface,
            "name_en": None, "governorate": governorate, "pcode": None, "lat": None, "lon": None,
            "precision": "town"}


def actors(*ids: str) -> list[dict]:
    return [{"id": i, "name_ar": "", "name_en": "", "kind": "other"} for i in ids]


def escalation(flag: bool, *names: str) -> dict:
    return {"score": None, "escalatory": flag, "signals": [{"name": n, "evidence_text": ""} for n in names]}


def gold_lines() -> list[dict]:
    return [
        {"id": "r1", "language": "ar",
         "entities": [entity(TEXT_1, "قوات النظام", "ORG", "syr-gov-forces"),
                      entity(TEXT_1, "هيئة تحرير الشام", "ORG", "hts"),
                      entity(TEXT_1, "كفرنبودة", "LOC"),
                      entity(TEXT_1, "حماة", "LOC")],
         "actors": actors("syr-gov-forces", "hts"),
         "places": [place(TEXT_1, "كفرنبودة", "Hama"), place(TEXT_1, "حماة", "Hama")],
         "event_types": ["shelling"], "events": [],
         "killed": 3, "injured": None,
         "escalation": escalation(True, "new_fighting"), "error": None},
        {"id": "r2", "language": "ar",
         "entities": [entity(TEXT_2, "القصير", "LOC"), entity(TEXT_2, "حمص", "LOC"),
                      entity(TEXT_2, "الهلال الأحمر", "ORG", "sarc")],
         "actors": actors("sarc"),
         "places": [place(TEXT_2, "القصير", "Homs"), place(TEXT_2, "حمص", "Homs")],
         "event_types": ["displacement"], "events": [],
         "killed": None, "injured": None,
         "escalation": escalation(False, "displaced_return"), "error": None},
    ]


def mistaken_prediction() -> list[dict]:
    """r1 with known mistakes; r2 missing altogether."""
    clitic_start, clitic_end = span(TEXT_1, "وهيئة تحرير الشام")
    return [
        {"id": "r1", "language": "ar",
         "entities": [entity(TEXT_1, "قوات النظام", "ORG", "syr-gov-forces"),
                      # the clitic و kept in the span: not exact, but overlaps and resolves right
                      {"text": "وهيئة تحرير الشام", "type": "ORG", "start": clitic_start, "end": clitic_end,
                       "canonical_id": "hts", "canonical_name_en": None},
                      entity(TEXT_1, "كفرنبودة", "LOC"),
                      entity(TEXT_1, "حماة", "PER")],  # wrong type
         "actors": actors("syr-gov-forces", "hts", "sarc", "isis"),  # sarc wrong; isis not in the gold vocabulary
         "places": [place(TEXT_1, "كفرنبودة", "Hama"), place(TEXT_1, "حماة", "Idlib")],  # wrong governorate
         "event_types": ["shelling", "airstrike"], "events": [],
         "killed": 3, "injured": 0,  # 0 is not null
         "escalation": escalation(True, "new_fighting", "heavy_weapons"), "error": None},
    ]


def test_perfect_prediction_scores_one_everywhere():
    metrics = score(gold_lines(), gold_lines())
    assert metrics["entities"]["f1"] == 1.0
    assert metrics["entities"]["lenient"]["f1"] == 1.0
    assert metrics["actors"]["resolution_accuracy"] == 1.0
    assert metrics["actors"]["set"]["f1"] == 1.0
    assert metrics["governorate"]["accuracy"] == 1.0
    assert metrics["event_types"]["f1"] == 1.0
    assert metrics["casualties"]["exact"] == 1.0
    assert metrics["escalation"]["accuracy"] == 1.0
    assert metrics["coverage"] == {"missing": 0, "errors": 0, "extra": 0}


def test_known_mistakes_give_exact_values():
    metrics = score(gold_lines(), mistaken_prediction())
    entities = metrics["entities"]
    # gold 7 entities; predicted 4, of which 2 exact
    assert (entities["tp"], entities["fp"], entities["fn"]) == (2, 2, 5)
    assert entities["precision"] == pytest.approx(0.5)
    assert entities["recall"] == pytest.approx(2 / 7)
    assert entities["f1"] == pytest.approx(4 / 11)
    assert entities["per_type"]["ORG"]["recall"] == pytest.approx(1 / 3)
    assert entities["per_type"]["LOC"]["precision"] == 1.0
    assert entities["per_type"]["LOC"]["recall"] == pytest.approx(1 / 4)
    assert entities["per_type"]["PER"]["f1"] == 0.0
    assert entities["lenient"]["precision"] == pytest.approx(3 / 4)
    assert entities["lenient"]["recall"] == pytest.approx(3 / 7)
    assert entities["lenient"]["f1"] == pytest.approx(6 / 11)
    # syr-gov-forces exact, hts through the overlapping span, sarc missed
    assert metrics["actors"]["resolution_accuracy"] == pytest.approx(2 / 3)
    assert metrics["actors"]["set"]["precision"] == pytest.approx(2 / 3)
    assert metrics["actors"]["set"]["recall"] == pytest.approx(2 / 3)
    assert metrics["actors"]["unscored_ids"] == ["isis"]
    # Hama right; حماة given Idlib; both Homs places of r2 missed
    assert metrics["governorate"]["accuracy"] == pytest.approx(1 / 4)
    assert metrics["governorate"]["in_syria_accuracy"] == pytest.approx(1 / 4)
    assert metrics["event_types"]["precision"] == pytest.approx(1 / 2)
    assert metrics["event_types"]["recall"] == pytest.approx(1 / 2)
    assert metrics["event_types"]["per_type"]["shelling"]["f1"] == 1.0
    assert metrics["event_types"]["per_type"]["airstrike"]["precision"] == 0.0
    assert metrics["event_types"]["per_type"]["displacement"]["recall"] == 0.0
    assert metrics["event_types"]["per_type"]["protest"]["f1"] == 1.0  # nothing expected, nothing claimed
    # r1: injured 0 vs null is wrong; r2 (missing): null == null is right
    assert metrics["casualties"] == {"exact": 0.5, "killed": 1.0, "injured": 0.5}
    assert metrics["escalation"]["accuracy"] == 1.0
    assert metrics["escalation"]["signals"]["precision"] == pytest.approx(1 / 2)
    assert metrics["escalation"]["signals"]["recall"] == pytest.approx(1 / 2)
    assert metrics["coverage"] == {"missing": 1, "errors": 0, "extra": 0}


def test_failed_prediction_counts_as_empty_and_extra_ids_are_ignored():
    failed = {"id": "r1", "error": {"code": "invalid_json", "message": "x"}, **{
        k: v for k, v in gold_lines()[0].items() if k not in ("id", "error")}}
    predicted = [failed, gold_lines()[1], {"id": "other", "event_types": ["protest"]}]
    metrics = score(gold_lines(), predicted)
    assert metrics["coverage"] == {"missing": 0, "errors": 1, "extra": 1}
    assert metrics["event_types"]["recall"] == pytest.approx(1 / 2)
    assert metrics["entities"]["recall"] == pytest.approx(3 / 7)


def test_places_outside_syria_count_in_accuracy_but_not_in_syria_accuracy():
    text = "وصل وافدون من لبنان إلى طرطوس"
    gold = [{"id": "r", "places": [place(text, "لبنان", None), place(text, "طرطوس", "Tartus")]}]
    predicted = [{"id": "r", "places": [place(text, "طرطوس", "Tartus")]}]
    governorate = score(gold, predicted)["governorate"]
    assert governorate["accuracy"] == pytest.approx(1 / 2)
    assert governorate["in_syria_accuracy"] == 1.0


def test_event_types_fall_back_to_events():
    predicted = [dict(gold_lines()[0], event_types=None, events=[{"type": "shelling"}]), gold_lines()[1]]
    assert score(gold_lines(), predicted)["event_types"]["f1"] == 1.0


def test_duplicate_gold_ids_are_rejected():
    with pytest.raises(DataError, match="twice"):
        score(gold_lines() + gold_lines()[:1], [])


def test_spans_must_be_integers():
    bad = [dict(gold_lines()[0], entities=[{"type": "ORG", "start": "0", "end": 4}])]
    with pytest.raises(DataError, match="integer"):
        score(gold_lines(), bad)


def test_counterpart_prefers_exact_then_largest_overlap():
    candidates = [((0, 6), "a"), ((2, 12), "b"), ((4, 10), "c")]
    assert find_counterpart((4, 10), candidates) == "c"
    assert find_counterpart((5, 12), [((0, 6), "a"), ((2, 12), "b")]) == "b"
    assert find_counterpart((20, 25), candidates) is None


def test_counts_conventions():
    assert Counts().f1 == 1.0
    assert Counts(fn=2).precision == 0.0
    assert Counts(fp=1).recall == 0.0
    assert Counts(tp=1, fp=1, fn=0).f1 == pytest.approx(2 / 3)


def test_format_report_names_every_metric():
    text = format_report(score(gold_lines(), mistaken_prediction()))
    for needle in ("entities (exact span + type)", "resolution accuracy    0.667", "governorate accuracy     0.250",
                   "event types", "casualties exact match   0.500", "escalation accuracy      1.000", "unscored ids"):
        assert needle in text


def write_jsonl(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def test_main_scores_files(tmp_path, capsys):
    gold = write_jsonl(tmp_path / "gold.jsonl", gold_lines())
    predicted = write_jsonl(tmp_path / "pred.jsonl", mistaken_prediction())
    assert main(["--gold", str(gold), "--predicted", str(predicted)]) == 0
    assert "governorate accuracy     0.250" in capsys.readouterr().out
    assert main(["--gold", str(gold), "--predicted", str(predicted), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["governorate"]["accuracy"] == 0.25


def test_main_reports_malformed_input(tmp_path, capsys):
    gold = write_jsonl(tmp_path / "gold.jsonl", gold_lines())
    predicted = tmp_path / "pred.jsonl"
    predicted.write_text('{"id": "r1"}\nnot json\n', encoding="utf-8")
    assert main(["--gold", str(gold), "--predicted", str(predicted)]) == 2
    assert "pred.jsonl:2" in capsys.readouterr().err


# The dev set itself -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def devset() -> tuple[list[dict], dict[str, dict]]:
    gold = read_jsonl(GOLD_PATH)
    reports = {r["id"]: r for r in read_jsonl(REPORTS_PATH)}
    return gold, reports


def test_devset_scores_itself_perfectly(devset):
    gold, _ = devset
    metrics = score(gold, gold)
    assert metrics["reports"] >= 45
    assert metrics["entities"]["f1"] == metrics["governorate"]["accuracy"] == metrics["event_types"]["f1"] == 1.0


def test_devset_spans_match_report_texts(devset):
    gold, reports = devset
    assert set(reports) == {g["id"] for g in gold}
    for line in gold:
        text = reports[line["id"]]["text"]
        for item in line["entities"] + line["places"] + line["events"]:
            assert text[item["start"]:item["end"]] == item.get("text", item.get("trigger_text")), line["id"]
        for signal in line["escalation"]["signals"]:
            assert signal["evidence_text"] in text, line["id"]


def test_devset_covers_every_governorate_and_event_type(devset):
    gold, reports = devset
    assert "sohr-2018-08-idlib-negotiations" in reports
    governorates = {p["governorate"] for line in gold for p in line["places"]} - {None}
    assert governorates == set(GOVERNORATES)
    for event_type in EVENT_TYPES:
        assert sum(event_type in line["event_types"] for line in gold) >= 3, event_type
