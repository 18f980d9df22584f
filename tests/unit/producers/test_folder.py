import json

from producers.memory_sink import MemorySink
from producers.runner import produce_file, produce_folder


def test_folder_files_are_published_and_moved(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = [json.dumps({"id": "a", "text": "غارات على ريف إدلب"}, ensure_ascii=False), "not json",
             json.dumps({"id": "b", "text": "مظاهرة في السويداء"}, ensure_ascii=False)]
    (inbox / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import os, time
    old = time.time() - 10
    os.utime(inbox / "batch.jsonl", (old, old))
    sink = MemorySink()
    result = produce_folder(sink, inbox, once=True)
    assert result.accepted == ["a", "b"]
    assert [letter.code for letter in result.refused] == ["invalid_json"]
    assert not (inbox / "batch.jsonl").exists() and (inbox / "processed" / "batch.jsonl").exists()
    assert produce_folder(MemorySink(), inbox, once=True).accepted == []


def test_jsonl_file_keeps_order_and_reports_line_of_bad_input(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"id": "1", "text": "\xd9\x86\xd8\xb5"}\n\xff\xfe\n{"id": "2", "text": "x"}\n')
    result = produce_file(MemorySink(), path)
    assert result.accepted == ["1", "2"]
    assert result.refused[0].code == "invalid_encoding" and result.refused[0].stage == "produce:file:r.jsonl:2"
