import json

import pytest

from rasd.errors import InvalidReport
from rasd.schema import MAX_REPORT_BYTES
from rasd.validate import (decode_report_bytes, derive_report_id, detect_language, parse_published_at,
                           validate_report)


def _code(fn, *args, **kwargs) -> str:
    with pytest.raises(InvalidReport) as info:
        fn(*args, **kwargs)
    return info.value.code


def test_valid_report_keeps_every_field():
    report = validate_report({"id": "a1", "text": "اشتباكات في ريف إدلب", "source": "SOHR",
                              "published_at": "2024-01-02T03:04:05Z", "url": "https://x", "title": "t"})
    assert (report.id, report.source, report.title) == ("a1", "SOHR", "t")
    assert report.text == "اشتباكات في ريف إدلب"


@pytest.mark.parametrize("raw, code", [
    (b"{not json", "invalid_json"),
    (b"[1, 2]", "not_an_object"),
    (b"\xff\xfe{}", "invalid_encoding"),
    (b"x" * (MAX_REPORT_BYTES + 1), "too_large"),
])
def test_undecodable_bytes_are_refused_with_their_reason(raw, code):
    assert _code(decode_report_bytes, raw) == code


@pytest.mark.parametrize("data, code", [
    ({"id": "a"}, "missing_text"),
    ({"id": "a", "text": 5}, "wrong_type"),
    ({"id": "a", "text": "   \n"}, "empty_text"),
    ({"id": 7, "text": "نص"}, "wrong_type"),
    ({"id": "a", "text": "نص", "source": ["x"]}, "wrong_type"),
    ({"id": "a", "text": "نص", "published_at": 2024}, "wrong_type"),
    ({"id": "a" * 600, "text": "نص"}, "id_too_long"),
])
def test_schema_violations_are_refused_with_their_reason(data, code):
    assert _code(validate_report, data) == code


def test_control_characters_are_refused_only_when_strict():
    data = {"id": "a", "text": "نص\x00مع صفر"}
    assert validate_report(data).text == "نص\x00مع صفر"
    assert _code(validate_report, data, strict_controls=True) == "control_characters"
    assert validate_report({"id": "b", "text": "سطر\nوسطر\tآخر"}, strict_controls=True).id == "b"


def test_missing_id_is_derived_stably_from_source_and_url():
    a = validate_report({"text": "نص", "source": "SANA", "url": "https://sana.sy/1"})
    b = validate_report({"text": "نص آخر", "source": "SANA", "url": "https://sana.sy/1"})
    c = validate_report({"text": "نص", "source": "SANA", "url": "https://sana.sy/2"})
    assert a.id == b.id == derive_report_id("SANA", "https://sana.sy/1")
    assert a.id != c.id and a.id.startswith("r-")


def test_published_at_parsing():
    assert parse_published_at("2018-08-20T12:00:00Z").year == 2018
    assert parse_published_at("yesterday") is None
    assert parse_published_at(None) is None


@pytest.mark.parametrize("text, lang", [
    ("قوات النظام تقصف ريف إدلب", "ar"),
    ("Government forces shelled Idlib", "en"),
    ("SOHR: قصف على إدلب", "ar"),
    ("12345 !!!", "und"),
])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_bytes_round_trip_through_json():
    raw = json.dumps({"id": "x", "text": "نص"}, ensure_ascii=False).encode()
    assert validate_report(decode_report_bytes(raw)).text == "نص"
