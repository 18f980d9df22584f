import json

import pytest

from producers.exceptions import ProducerError
from producers.memory_sink import MemorySink
from producers.runner import produce_telegram
from producers.sources.telegram import flatten_message_text

EXPORT = {
    "name": "قناة رصد", "type": "public_channel", "id": 1234,
    "messages": [
        {"id": 1, "type": "service", "date": "2024-03-01T10:00:00", "action": "create_channel"},
        {"id": 2, "type": "message", "date": "2024-03-01T10:05:00", "date_unixtime": "1709287500",
         "text": ["عاجل: ", {"type": "bold", "text": "قصف مدفعي"}, " على بلدة كنصفرة بجبل الزاوية"]},
        {"id": 3, "type": "message", "date": "2024-03-01T11:00:00", "text": "", "photo": "photos/1.jpg"},
        {"id": 4, "type": "message", "date": "2024-03-01T12:00:00", "text": "اشتباكات على محور كبانة"},
    ],
}


def test_flatten_joins_rich_text_pieces():
    assert flatten_message_text(["قصف على ", {"type": "bold", "text": "إدلب"}]) == "قصف على إدلب"
    assert flatten_message_text(None) == ""


def test_text_messages_are_published_and_the_rest_counted(tmp_path):
    path = tmp_path / "result.json"
    path.write_text(json.dumps(EXPORT, ensure_ascii=False), encoding="utf-8")
    sink = MemorySink()
    result = produce_telegram(sink, path)
    assert result.accepted == ["tg-1234-2", "tg-1234-4"]
    first = json.loads(sink.reports[0][1])
    assert first["text"] == "عاجل: قصف مدفعي على بلدة كنصفرة بجبل الزاوية"
    assert first["published_at"].startswith("2024-03-01T10:05:00")
    assert first["source"] == "telegram:قناة رصد"
    assert len(result.warnings) == 2


def test_a_file_that_is_not_an_export_is_a_clear_error(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(ProducerError, match="not a Telegram Desktop channel export"):
        list(produce_telegram(MemorySink(), path).accepted)
