"""The embedded mode: the bundled samples through every stage into SQLite, and its parts."""

import io
import json

import pytest

from embedded.progress import Progress
from embedded.queue_sink import QueueSink
from embedded.runner import run_embedded
from rasd.embedded import (EmbeddedPipeline, analyse_raw, dead_letter_document, load_subscriptions,
                           sample_subscriptions_file)
from rasd.errors import DataError
from rasd.store import SqliteStore

ARIHA = ("sample-2019-06-12-sohr-ariha-rockets", "sample-2019-06-12-northpress-ariha-rockets",
         "sample-2019-06-12-rt-ariha-rockets")
TABLES = ("reports", "signals", "alerts", "dead_letters")


def _run(db, **kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_embedded([], db=db, out=out, err=err, **kwargs)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    db = tmp_path_factory.mktemp("embedded") / "rasd.sqlite"
    code, out, err = _run(db)
    assert code == 0, err
    return db, out, err


@pytest.fixture()
def store(sample_run):
    store = SqliteStore(sample_run[0])
    yield store
    store.close()


def test_malformed_line_is_refused_kept_and_reported(sample_run, store):
    _, out, _ = sample_run
    assert "17 lines read: 16 accepted, 1 refused (invalid_json ×1)" in out
    assert "✗ reports.jsonl line 7 — invalid_json" in out
    [letter] = store.list_docs("dead_letters")
    assert (letter["stage"], letter["code"]) == ("produce:file:reports.jsonl:7", "invalid_json")
    assert letter["original_text"].startswith('{"id": "sample-2019-06-11-sohr-hama-truncated"')
    assert store.count("reports") == 16


def test_near_duplicates_join_one_story_with_every_source(sample_run, store):
    docs = [store.get_report(rid) for rid in ARIHA]
    assert {d["story_id"] for d in docs} == {ARIHA[0]}
    assert [d["duplicate_of"] for d in docs] == [None, ARIHA[0], ARIHA[1]]
    assert docs[-1]["sources"] == ["SOHR", "North Press", "RT Arabic"]
    assert "16 reports → 14 stories (2 near-duplicates joined" in sample_run[1]


def test_burst_in_idlib_fires_a_high_signal(store):
    signals = store.list_docs("signals", limit=1000)
    idlib = [s for s in signals if s["key"] == "Idlib" and s["window_start"] == "2019-06-12T06:00:00+00:00"]
    assert len(idlib) == 1
    assert idlib[0]["level"] == "high"
    assert {"spike", "frequency"} <= set(idlib[0]["rules"])
    assert "sample-2019-06-12-sohr-kafranbel-airstrikes" in idlib[0]["report_ids"]


def test_subscriptions_raise_report_and_signal_alerts(sample_run, store):
    alerts = store.list_docs("alerts", limit=1000)
    hts = {a["report_id"] for a in alerts if a["subscription_id"] == "sample-hts-tip-idlib-latakia"}
    assert "sample-2019-06-12-sohr-kabani-clashes" in hts  # HTS and TIP in Latakia
    assert "sample-2019-06-11-sohr-daraa-protest" not in hts
    watch = [a for a in alerts if a["subscription_id"] == "sample-escalation-watch" and a["kind"] == "signal"]
    signals = {s["id"]: s for s in store.list_docs("signals", limit=1000)}
    assert "Idlib" in {signals[a["signal_id"]]["key"] for a in watch}
    assert "→ signal Idlib (high)" in sample_run[1]


def test_de_escalatory_report_is_not_escalatory(store):
    doc = store.get_report("sample-2019-06-12-rt-ceasefire")
    assert doc["escalatory"] is False
    assert "negotiation" in doc["event_types"]


def test_store_search_finds_reports_by_arabic_query(sample_run, store):
    idlib = {h["id"] for h in store.search("ادلب", limit=100).hits}
    assert {"sample-2019-06-12-sana-khan-sheikhoun", *ARIHA} <= idlib
    assert "sample-2019-06-10-northpress-shaddadi-raid" not in idlib
    hts_text = {h["id"] for h in store.search("تحرير الشام", limit=100).hits}
    assert "sample-2019-06-12-sohr-kabani-clashes" in hts_text
    hts_actor = {h["id"] for h in store.search(filters={"actor_ids": ["hts"]}, limit=100).hits}
    assert "sample-2019-06-12-sana-khan-sheikhoun" in hts_actor - hts_text  # "جبهة النصرة" resolves to hts
    assert f"search «ادلب» → {len(idlib)} reports" in sample_run[1]


def test_rerun_over_the_same_store_is_idempotent(tmp_path):
    db = tmp_path / "rasd.sqlite"
    assert _run(db)[0] == 0
    store = SqliteStore(db)
    first = {table: store.count(table) for table in TABLES}
    store.close()
    code, out, _ = _run(db)
    assert code == 0
    store = SqliteStore(db)
    assert {table: store.count(table) for table in TABLES} == first
    store.close()
    assert first["signals"] >= 1 and first["alerts"] >= 1
    flat = " ".join(out.split())  # the summary wraps long lines
    assert "(held 16 reports" in flat and "0 signals fired" in flat and "stored by an earlier run" in flat
    assert "16 reports → 14 stories" in out  # replayed reports keep their stories


def test_fresh_starts_from_an_empty_store(tmp_path):
    db = tmp_path / "rasd.sqlite"
    _run(db)
    code, out, _ = _run(db, fresh=True)
    assert code == 0 and "(empty)" in out


def test_missing_input_or_bad_subscriptions_exit_2(tmp_path):
    err = io.StringIO()
    assert run_embedded([str(tmp_path / "absent.jsonl")], db=":memory:", out=io.StringIO(), err=err) == 2
    assert "cannot read" in err.getvalue()
    bad = tmp_path / "subs.json"
    bad.write_text(json.dumps([{"id": "x", "governorates": ["Atlantis"]}]), encoding="utf-8")
    err = io.StringIO()
    assert run_embedded([], db=":memory:", subscriptions=bad, out=io.StringIO(), err=err) == 2
    assert "Atlantis" in err.getvalue()


def test_extra_file_only_with_no_samples(tmp_path):
    path = tmp_path / "extra.jsonl"
    path.write_text(json.dumps({"id": "x1", "source": "SOHR", "published_at": "2024-03-01T10:00:00Z",
                                "text": "قصفت قوات النظام مدينة أريحا بريف إدلب الجنوبي"}, ensure_ascii=False)
                    + "\n" + json.dumps({"id": "x2", "text": "   "}) + "\n", encoding="utf-8")
    out = io.StringIO()
    assert run_embedded([str(path)], db=":memory:", samples=False, out=out, err=io.StringIO()) == 0
    text = out.getvalue()
    assert "2 lines read: 1 accepted, 1 refused (empty_text ×1)" in text
    assert "✗ extra.jsonl line 2 — empty_text" in text


def test_load_subscriptions_reads_the_samples():
    subscriptions = load_subscriptions(sample_subscriptions_file())
    by_id = {s.id: s for s in subscriptions}
    assert by_id["sample-hts-tip-idlib-latakia"].actors == ("hts", "tip")
    assert by_id["sample-escalation-watch"].include_signals is True


def test_load_subscriptions_rejects_a_non_list(tmp_path):
    path = tmp_path / "subs.json"
    path.write_text('{"id": "x"}', encoding="utf-8")
    with pytest.raises(DataError, match="expected a list"):
        load_subscriptions(path)


def test_dead_letter_document_id_is_deterministic():
    letter = {"stage": "validate", "code": "invalid_json", "original_b64": "e30=", "failed_at": "now"}
    doc = dead_letter_document(letter)
    assert doc["id"] == dead_letter_document({**letter, "failed_at": "later"})["id"]
    assert doc["id"] != dead_letter_document({**letter, "code": "other"})["id"]
    assert doc["original_text"] == "{}"


class _BrokenAnalyzer:
    def analyze(self, report):
        raise RuntimeError("boom")


def test_an_analysis_bug_becomes_a_dead_letter():
    letter = analyse_raw('{"id": "r1", "text": "قصف على أريحا"}'.encode("utf-8"), _BrokenAnalyzer())
    assert (letter.stage, letter.code, letter.message) == ("analysis", "internal_error", "RuntimeError: boom")
    store = SqliteStore()
    pipeline = EmbeddedPipeline.open(store, analyzer=_BrokenAnalyzer())
    outcome = pipeline.process('{"id": "r1", "text": "قصف على أريحا"}'.encode("utf-8"))
    assert outcome.enriched is None and outcome.dead_letter["code"] == "internal_error"
    assert store.count("dead_letters") == 1


def test_state_table_flushes_changes_and_deletions(tmp_path):
    db = tmp_path / "s.sqlite"
    store = SqliteStore(db)
    table = store.state("stories")
    assert store.state("stories") is table
    table["a"] = {"n": 1}
    table["b"] = [1, 2]
    assert store.flush_state() == 2
    del table["a"]
    table["b"] = [3]
    assert table.flush() == 2 and table.flush() == 0
    store.close()
    reopened = SqliteStore(db).state("stories")
    assert dict(reopened) == {"b": [3]}


def test_queue_sink_keeps_reports_and_refusals_in_order():
    sink = QueueSink()
    sink.send_report(b"r1", b"{}")
    sink.send_dead_letter(None, b"{}")
    sink.send_report(b"r2", b"{}")
    assert [(m.kind, m.key) for m in sink.drain()] == [("report", b"r1"), ("dead_letter", None), ("report", b"r2")]
    assert list(sink.drain()) == []


def test_progress_rewrites_one_line_on_a_terminal_and_prints_periodic_lines_otherwise():
    tty = io.StringIO()
    progress = Progress(tty, tty=True, min_interval=0.0)
    progress.update(accepted=True)
    progress.update(accepted=False)
    progress.finish()
    assert tty.getvalue().count("\r") == 3 and tty.getvalue().endswith("\n")
    assert "2 lines · 1 accepted · 1 refused" in tty.getvalue()
    pipe = io.StringIO()
    progress = Progress(pipe, tty=False, every_lines=2)
    for _ in range(5):
        progress.update(accepted=True)
    progress.finish()
    assert "\r" not in pipe.getvalue()
    assert [line.split(":")[0].strip() for line in pipe.getvalue().splitlines()] == ["processing", "processing",
                                                                                      "processed"]


def test_a_village_outside_the_gazetteer_is_labelled_by_its_arabic_name():
    from embedded.summary import place_label
    from rasd.schema import Place

    unlisted = Place("بسنقول", 0, 6, "rasd-unlisted", "بسنقول", "", "Idlib", "SY07", None, None, "town")
    listed = Place("كفرنبل", 0, 6, "gn-1", "كفرنبل", "Kafr Nabl", "Idlib", "C1", 35.6, 36.5, "town")
    country = Place("سوريا", 0, 5, "sy", "سوريا", "Syria", None, None, 35.0, 38.0, "country")
    assert [place_label(p) for p in (unlisted, listed, country)] == ["بسنقول (Idlib)", "Kafr Nabl (Idlib)", "Syria"]
