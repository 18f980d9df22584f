"""Where a report is validated: raw bytes or a decoded object → :class:`rasd.schema.Report`.

Every edge (``rasd analyze``, the producers, the API) validates through here, so
a report is accepted or refused by the same rules everywhere.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from rasd.errors import InvalidReport
from rasd.schema import MAX_REPORT_BYTES, Report

_OPTIONAL_STRING_FIELDS = ("published_at", "source", "url", "title")
# C0 controls other than tab, newline, carriage return; DEL; C1 controls.
_FORBIDDEN_CONTROLS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def decode_report_bytes(raw: bytes) -> dict[str, Any]:
    """Decode one serialised report (UTF-8 JSON object).

    Args:
        raw: the bytes of one JSONL line or one Kafka message value.

    Returns:
        The decoded JSON object.

    Raises:
        InvalidReport: ``too_large``, ``invalid_encoding``, ``invalid_json`` or ``not_an_object``.
    """
    if len(raw) > MAX_REPORT_BYTES:
        raise InvalidReport("too_large", f"report is {len(raw)} bytes; the limit is {MAX_REPORT_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidReport("invalid_encoding", f"report is not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    return decode_report_json(text)


def decode_report_json(line: str) -> dict[str, Any]:
    """Parse one JSON line into an object, with a clear error when it is not one."""
    if len(line.encode("utf-8", errors="surrogatepass")) > MAX_REPORT_BYTES:
        raise InvalidReport("too_large", f"report is over the {MAX_REPORT_BYTES}-byte limit")
    try:
        value = json.loads(line)
    except ValueError as exc:
        raise InvalidReport("invalid_json", f"line is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise InvalidReport("not_an_object", f"a report must be a JSON object, not {type(value).__name__}")
    return value


def derive_report_id(source: str | None, key: str) -> str:
    """A stable id from a source name and a guid, url or text.

    Args:
        source: outlet or feed name (may be None).
        key: the item's guid, else its url, else its text.

    Returns:
        ``"r-"`` followed by 24 hex characters of SHA-256, the same for the same input on every run.
    """
    digest = hashlib.sha256(f"{source or ''}\x1f{key}".encode("utf-8")).hexdigest()
    return f"r-{digest[:24]}"


def validate_report(data: dict[str, Any], *, strict_controls: bool = False) -> Report:
    """Check a decoded report against the schema and build a :class:`Report`.

    Args:
        data: the decoded JSON object.
        strict_controls: refuse control characters in the text (producers do; ``rasd analyze``
            keeps the text as given so that offsets index it exactly).

    Returns:
        The validated report; a missing id is derived from source + url/text.

    Raises:
        InvalidReport: with a code naming the broken rule.
    """
    text = data.get("text")
    if text is None:
        raise InvalidReport("missing_text", "report has no 'text' field")
    if not isinstance(text, str):
        raise InvalidReport("wrong_type", f"'text' must be a string, not {type(text).__name__}")
    if not text.strip():
        raise InvalidReport("empty_text", "report 'text' is empty")
    if len(text.encode("utf-8", errors="surrogatepass")) > MAX_REPORT_BYTES:
        raise InvalidReport("too_large", f"report text is over the {MAX_REPORT_BYTES}-byte limit")
    if _SURROGATE_RE.search(text):
        raise InvalidReport("invalid_encoding", "report text holds unpaired surrogates")
    if strict_controls:
        bad = _FORBIDDEN_CONTROLS_RE.search(text)
        if bad is not None:
            raise InvalidReport("control_characters",
                                f"report text holds control character U+{ord(bad.group()):04X}")
    for name in _OPTIONAL_STRING_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidReport("wrong_type", f"'{name}' must be a string or null, not {type(value).__name__}")
    report_id = data.get("id")
    if report_id is None or report_id == "":
        report_id = derive_report_id(data.get("source"), data.get("url") or text)
    elif not isinstance(report_id, str):
        raise InvalidReport("wrong_type", f"'id' must be a string, not {type(report_id).__name__}")
    elif len(report_id) > 512:
        raise InvalidReport("id_too_long", "'id' is longer than 512 characters")
    return Report(
        id=report_id,
        text=text,
        published_at=data.get("published_at"),
        source=data.get("source"),
        url=data.get("url"),
        title=data.get("title"),
    )


def parse_published_at(value: str | None) -> datetime | None:
    """Parse an ISO-8601 timestamp (``Z`` accepted); None when absent or unparseable."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


_ARABIC_RUNS = re.compile(r"[\u0621-\u064a\u0671-\u06d3\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]+")
_LATIN_LETTERS = re.compile(r"[A-Za-z]")
_OTHER_LETTERS = re.compile(r"[^\W\d_A-Za-z\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]")


def detect_language(text: str) -> str:
    """The dominant script of a text as a language code.

    Args:
        text: any text, e.g. ``"قوات النظام تقصف ريف إدلب"``.

    Returns:
        ``"ar"`` when Arabic letters are at least 30% of the letters, ``"en"`` when Latin
        letters dominate, ``"und"`` otherwise.
    """
    arabic = sum(map(len, _ARABIC_RUNS.findall(text)))  # runs, not one string per letter
    if arabic >= 0.3 * len(text):  # then at least 30% of the letters too: the other counts cannot change it
        return "ar" if arabic else "und"
    latin = len(_LATIN_LETTERS.findall(text))
    other = len(_OTHER_LETTERS.findall(text))
    letters = arabic + latin + other
    if letters == 0:
        return "und"
    if arabic / letters >= 0.3:
        return "ar"
    if latin >= other:
        return "en"
    return "und"
