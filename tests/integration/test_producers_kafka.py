"""Bad input through each producer, on the real Kafka: refused with a clear reason, present in the dead-letter
topic with the original bytes, and nothing accepted before (or after) it lost."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kafka import KafkaConsumer

from producers import runner
from producers.kafka_sink import KafkaSink

GOOD = [{"id": f"good-{i}", "text": text} for i, text in enumerate(
    ["اشتباكات عنيفة في ريف إدلب الجنوبي", "قصف مدفعي على أطراف مدينة درعا", "مظاهرة في مدينة السويداء"])]


def _read_topic(settings, topic: str, expected: int, timeout: float = 20.0) -> list:
    consumer = KafkaConsumer(topic, bootstrap_servers=settings.kafka_servers, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=1000)
    records, deadline = [], time.monotonic() + timeout
    try:
        while len(records) < expected and time.monotonic() < deadline:
            records.extend(consumer)
    finally:
        consumer.close()
    return records


@pytest.fixture
def sink(settings, topics):
    sink = KafkaSink.connect(settings)
    yield sink
    sink.close()


def _check(settings, result, accepted_ids: list[str], refused_codes: list[str]) -> None:
    assert result.accepted == accepted_ids
    assert [letter.code for letter in result.refused] == refused_codes
    reports = _read_topic(settings, settings.topics.reports, len(accepted_ids))
    assert sorted(r.key.decode() for r in reports) == sorted(accepted_ids)
    letters = [json.loads(r.value) for r in _read_topic(settings, settings.topics.dead_letter, len(refused_codes))]
    assert sorted(letter["code"] for letter in letters) == sorted(refused_codes)  # spread over partitions
    for letter in letters:
        assert letter["message"] and base64.b64decode(letter["original_b64"]), "reason and original bytes kept"


def test_jsonl_file(settings, sink, tmp_path):
    path = tmp_path / "reports.jsonl"
    lines = [json.dumps(GOOD[0], ensure_ascii=False).encode(), b'{"id": "broken", "text": ',
             json.dumps(GOOD[1], ensure_ascii=False).encode(), b'{"id": "no-text"}', "\ufeff".encode() + b"\xff",
             json.dumps(GOOD[2], ensure_ascii=False).encode()]
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = runner.produce_file(sink, path)
    _check(settings, result, ["good-0", "good-1", "good-2"], ["invalid_json", "missing_text", "invalid_encoding"])


def test_watched_folder(settings, sink, tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps(GOOD[0], ensure_ascii=False) + "\n[1, 2]\n", encoding="utf-8")
    old = time.time() - 10
    os.utime(tmp_path / "a.jsonl", (old, old))
    result = runner.produce_folder(sink, tmp_path, once=True)
    _check(settings, result, ["good-0"], ["not_an_object"])
    assert (tmp_path / "processed" / "a.jsonl").exists()


def test_telegram_export(settings, sink, tmp_path):
    export = {"name": "channel", "id": 77, "messages": [
        {"id": 1, "type": "message", "date": "2024-01-01T10:00:00", "text": "غارات على ريف حلب الغربي"},
        {"id": 2, "type": "message", "date": "2024-01-01T11:00:00", "text": "نص فيه محرف تحكم \x01 غير مقبول"},
        {"id": 3, "type": "message", "date": "2024-01-01T12:00:00", "text": ["قصف على ", {"type": "bold", "text": "الباب"}]},
    ]}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    result = runner.produce_telegram(sink, path)
    _check(settings, result, ["tg-77-1", "tg-77-3"], ["control_characters"])


class _Feed(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args):
        pass


def test_rss_feed(settings, sink, tmp_path):
    big = "ن" * 600_000  # over the 1 MB limit once UTF-8 encoded
    _Feed.body = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>feed</title>
<item><guid>a</guid><title>قصف</title><description>قصف مدفعي على مدينة دير الزور</description></item>
<item><guid>b</guid><title>طويل</title><description>{big}</description></item>
<item><guid>c</guid><title>اشتباكات</title><description>اشتباكات في محيط مدينة منبج</description></item>
</channel></rss>""".encode()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/feed"
        result = runner.produce_rss(sink, [url], tmp_path / "state.json", once=True, interval_s=0)
    finally:
        httpd.shutdown()
    assert len(result.accepted) == 2 and all(i.startswith("r-") for i in result.accepted)
    assert [letter.code for letter in result.refused] == ["too_large"]
    assert len(_read_topic(settings, settings.topics.reports, 2)) == 2
    letters = [json.loads(r.value) for r in _read_topic(settings, settings.topics.dead_letter, 1)]
    assert [letter["code"] for letter in letters] == ["too_large"]
