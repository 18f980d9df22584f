"""JSON for the stages' messages: orjson when it can, the standard library when it cannot.

Every report is parsed and written several times on its way (analysis → stories →
matching → indexer, ~36 kB for a seed-size report), so the codec is on the hot path.
orjson refuses a few things the standard library accepts (lone surrogates in input,
non-string keys, integers over 64 bits when writing); those take the standard path.
Reports with lone surrogates are refused at validation, before any stage writes them.
One difference remains: orjson reads an integer over 64 bits as a float.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(raw: bytes | str) -> Any:
    """Parse a JSON message (``json.loads`` semantics)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON with Arabic as written (``json.dumps(..., ensure_ascii=False)`` semantics)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
