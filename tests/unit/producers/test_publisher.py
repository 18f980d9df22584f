import json

from producers.memory_sink import MemorySink
from producers.publisher import RawItem, ReportPublisher


def test_valid_items_are_keyed_and_invalid_ones_dead_lettered_in_order():
    sink = MemorySink()
    items = [
        RawItem("t", raw=json.dumps({"id": "a", "text": "اشتباكات في إدلب"}, ensure_ascii=False).encode()),
        RawItem("t", raw=b"{broken"),
        RawItem("t", data={"id": "c", "text": "نص\x07بجرس"}),
        RawItem("t", data={"text": "قصف على حلب", "source": "SANA", "url": "https://sana.sy/x"}),
        RawItem("t", data={"id": "e", "text": "تقرير", "published_at": "someday"}),
    ]
    result = ReportPublisher(sink).publish(items)
    assert [k for k, _ in sink.reports][:1] == [b"a"]
    assert len(result.accepted) == 3 and result.accepted[0] == "a" and result.accepted[1].startswith("r-")
    assert [letter.code for letter in result.refused] == ["invalid_json", "control_characters"]
    letters = [json.loads(v) for _, v in sink.dead_letters]
    assert letters[0]["code"] == "invalid_json" and letters[0]["original_b64"]
    assert result.warnings and "someday" in result.warnings[0]
    assert sink.flushes == 1
    sent = json.loads(sink.reports[0][1])
    assert sent["text"] == "اشتباكات في إدلب" and sent["schema_version"] == 1
