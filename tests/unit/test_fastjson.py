import json

import pytest

from rasd import fastjson


def test_round_trip_keeps_arabic_as_written():
    value = {"id": "r1", "text": "قصفت قوات النظام كفرنبل", "n": [1, 2.5, None, True]}
    raw = fastjson.dumps(value)
    assert "قصفت".encode("utf-8") in raw
    assert fastjson.loads(raw) == value == json.loads(raw)


def test_what_orjson_refuses_takes_the_standard_path():
    assert json.loads(fastjson.dumps({1: "x"})) == {"1": "x"}          # non-string key
    assert fastjson.loads('"\\ud800"') == "\ud800"                     # lone surrogate escape


def test_a_lone_surrogate_is_not_written_as_invalid_utf8():
    with pytest.raises(UnicodeEncodeError):
        fastjson.dumps({"text": "\ud800"})


def test_invalid_json_still_raises_value_error():
    with pytest.raises(ValueError):
        fastjson.loads(b"{not json")
