import asyncio
import json

import pytest

from api.exceptions import RequestBodyError
from api.ingest import (MAX_BATCH_BYTES, decode_json_body, describe_result, find_unpaired_surrogate, parse_reports_body,
                        read_body_capped, to_raw_items)
from producers.publisher import PublishResult
from rasd.enrich import DeadLetter
from rasd.schema import MAX_REPORT_BYTES


async def _chunks(*parts: bytes):
    for part in parts:
        yield part


def _status(fn, *args) -> int:
    with pytest.raises(RequestBodyError) as info:
        fn(*args)
    return info.value.status_code


def test_single_report_and_batch_are_told_apart():
    assert parse_reports_body('{"id": "a", "text": "قصف"}'.encode()) == ([{"id": "a", "text": "قصف"}], False)
    reports, is_batch = parse_reports_body(json.dumps({"reports": [{"text": "أ"}, 5]}).encode())
    assert is_batch and reports == [{"text": "أ"}, 5]


def test_a_report_with_a_reports_field_and_text_is_one_report():
    assert parse_reports_body(b'{"text": "x", "reports": 3}')[1] is False


@pytest.mark.parametrize("raw", [b"", b"   ", b"{bad json", b"\xff\xfe", b"[1, 2]", b'"text"',
                                 b'{"reports": []}', b'{"reports": {"text": "x"}}'])
def test_malformed_bodies_are_422_with_a_message(raw):
    with pytest.raises(RequestBodyError) as info:
        parse_reports_body(raw)
    assert info.value.status_code == 422 and info.value.message


def test_malformed_json_message_says_where():
    with pytest.raises(RequestBodyError) as info:
        parse_reports_body(b'{"text": "x",}')
    assert "not valid JSON" in info.value.message and "line 1" in info.value.message


def test_single_report_over_one_megabyte_is_413():
    raw = json.dumps({"text": "ا" * (MAX_REPORT_BYTES // 2 + 10)}).encode()
    assert len(raw) > MAX_REPORT_BYTES
    assert _status(parse_reports_body, raw) == 413


def test_body_cap_uses_the_declared_length_before_reading():
    async def never():
        raise AssertionError("the body must not be read")
        yield b""

    with pytest.raises(RequestBodyError) as info:
        asyncio.run(read_body_capped(str(MAX_BATCH_BYTES + 1), never()))
    assert info.value.status_code == 413


def test_body_cap_counts_streamed_bytes_when_length_is_not_declared():
    assert asyncio.run(read_body_capped(None, _chunks(b"ab", b"cd"), limit=4)) == b"abcd"
    with pytest.raises(RequestBodyError):
        asyncio.run(read_body_capped(None, _chunks(b"ab", b"cde"), limit=4))


def test_body_cap_names_the_limit_of_the_route_alone():
    with pytest.raises(RequestBodyError) as info:
        asyncio.run(read_body_capped("5000", _chunks(b""), limit=4096))
    assert info.value.message == "request body is over 4096 bytes"


@pytest.mark.parametrize("raw, detail", [
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),            # was a RecursionError: 500
    (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
    (b'{"text": "\\ud800 \xd9\x82\xd8\xb5\xd9\x81"}', "unpaired surrogate"),  # was a UnicodeEncodeError: 500
    (b'{"reports": [{"text": "a"}, {"source": "\\udfff", "text": "b"}]}', "unpaired surrogate"),
    (b'{"text": "a", "\\udc00": 1}', "unpaired surrogate"),
])
def test_bodies_python_decodes_but_cannot_handle_are_422(raw, detail):
    with pytest.raises(RequestBodyError) as info:
        parse_reports_body(raw)
    assert info.value.status_code == 422 and detail in info.value.message


def test_a_paired_surrogate_escape_is_one_character():
    assert decode_json_body(b'{"text": "\\ud83d\\ude00"}') == {"text": "\U0001F600"}
    assert find_unpaired_surrogate([{"k": ["ok", "\ud800"]}]) == "\ud800"


def test_raw_items_carry_their_position_and_json():
    items = to_raw_items([{"text": "قصف"}, 7])
    assert [i.origin for i in items] == ["api:0", "api:1"]
    assert json.loads(items[0].raw) == {"text": "قصف"} and items[1].raw == b"7"


def test_result_names_refused_positions():
    result = PublishResult(accepted=["a"], refused=[DeadLetter("produce:api:2", "missing_text", "no text", b"{}")])
    assert describe_result(result) == {"accepted": ["a"], "warnings": [],
                                       "refused": [{"index": 2, "code": "missing_text", "message": "no text"}]}
