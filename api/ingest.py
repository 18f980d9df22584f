"""Where a ``POST /reports`` body becomes raw items for the publisher.

The body is read with a size cap, parsed once to tell a single report from a
batch, and each report handed on as its own JSON bytes: the publisher then
validates it by the same rules as every other source, and dead-letters what it
refuses.
"""

from __future__ import annotations

import json
import re
from typing import Any, AsyncIterable

from api.exceptions import RequestBodyError
from producers.publisher import PublishResult, RawItem
from rasd.schema import MAX_REPORT_BYTES

MAX_BATCH_BYTES = 10_000_000
ORIGIN_PREFIX = "api:"

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


async def read_body_capped(declared_length: str | None, chunks: AsyncIterable[bytes], limit: int = MAX_BATCH_BYTES) -> bytes:
    """Read a request body, refusing it as soon as it exceeds ``limit`` bytes.

    Args:
        declared_length: the ``Content-Length`` header, when sent.
        chunks: the body stream.
        limit: the largest body accepted.

    Raises:
        RequestBodyError: 413 when the body is larger than ``limit``.
    """
    hint = " (1 MB per report, 10 MB per batch)" if limit == MAX_BATCH_BYTES else ""
    too_large = RequestBodyError(413, f"request body is over {limit} bytes{hint}")
    if declared_length and declared_length.isdigit() and int(declared_length) > limit:
        raise too_large
    received = bytearray()
    async for chunk in chunks:
        received += chunk
        if len(received) > limit:
            raise too_large
    return bytes(received)


def find_unpaired_surrogate(value: Any) -> str | None:
    """The first string (key or value) of a decoded JSON value holding half a UTF-16 pair, or None.

    JSON may write one (``"\\ud800"``); Python decodes it, but it cannot be encoded again as UTF-8.

    Args:
        value: e.g. ``{"text": "قصف\\ud800"}`` once decoded.

    Returns:
        e.g. ``"قصف\\ud800"``; None for ``{"text": "قصف"}``.
    """
    pending = [value]
    while pending:  # no recursion: the value may be nested as deep as the decoder allowed
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE_RE.search(item):
                return item
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


def decode_json_body(raw: bytes) -> Any:
    """The JSON value of a request body.

    Args:
        raw: the body bytes, e.g. ``b'{"text": "قصف"}'``.

    Raises:
        RequestBodyError: 422 for bad UTF-8, bad JSON, nesting deeper than the decoder goes, or an
            unpaired surrogate escape (``\\ud800``), each with its own message.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestBodyError(422, f"request body is not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    try:
        value = json.loads(text)
    except RecursionError:
        raise RequestBodyError(422, "request body is not valid JSON: arrays or objects are nested too deeply") from None
    except ValueError as exc:
        raise RequestBodyError(422, f"request body is not valid JSON: {exc}") from exc
    broken = find_unpaired_surrogate(value)
    if broken is not None:
        raise RequestBodyError(422, f"request body is not valid JSON text: {broken[:40]!r} holds an unpaired "
                                    "surrogate escape (\\ud800-\\udfff without its other half)")
    return value


def parse_reports_body(raw: bytes) -> tuple[list[Any], bool]:
    """Parse a body holding one report or ``{"reports": [...]}``.

    Args:
        raw: the body bytes (UTF-8 JSON).

    Returns:
        ``(reports, is_batch)``; the reports are the decoded JSON values, not yet validated.

    Raises:
        RequestBodyError: 422 for malformed JSON or an unexpected shape, 413 for a single
            report over 1 MB.
    """
    if not raw.strip():
        raise RequestBodyError(422, 'request body is empty: send one report, or {"reports": [...]}')
    body = decode_json_body(raw)
    if not isinstance(body, dict):
        raise RequestBodyError(422, f'request body must be a JSON object (one report, or {{"reports": [...]}}), '
                                    f"not {type(body).__name__}")
    if "reports" in body and "text" not in body:
        reports = body["reports"]
        if not isinstance(reports, list) or not reports:
            raise RequestBodyError(422, "'reports' must be a non-empty list of report objects")
        return reports, True
    if len(raw) > MAX_REPORT_BYTES:
        raise RequestBodyError(413, f"a report is {len(raw)} bytes; the limit is {MAX_REPORT_BYTES}")
    return [body], False


def to_raw_items(reports: list[Any]) -> list[RawItem]:
    """One raw item per report, its origin naming its position in the request."""
    return [RawItem(origin=f"{ORIGIN_PREFIX}{index}", raw=json.dumps(report, ensure_ascii=False).encode("utf-8"))
            for index, report in enumerate(reports)]


def describe_result(result: PublishResult) -> dict[str, Any]:
    """The JSON answer to an ingest: accepted ids, refused positions with their reasons."""
    prefix = f"produce:{ORIGIN_PREFIX}"
    refused = [{"index": int(letter.stage[len(prefix):]) if letter.stage.startswith(prefix) else -1,
                "code": letter.code, "message": letter.message} for letter in result.refused]
    return {"accepted": list(result.accepted), "refused": refused, "warnings": list(result.warnings)}
