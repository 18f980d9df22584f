"""Telegram channel exports: the ``result.json`` that Telegram Desktop writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from producers.exceptions import ProducerError
from producers.publisher import RawItem


def flatten_message_text(text: Any) -> str:
    """Telegram's ``text`` is a string or a list of strings and ``{"type", "text"}`` pieces; join them.

    Args:
        text: e.g. ``["قصف على ", {"type": "bold", "text": "إدلب"}]``.

    Returns:
        ``"قصف على إدلب"``.
    """
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in text
                       if isinstance(part, (str, dict)))
    return ""


def _message_time(message: dict[str, Any]) -> str | None:
    unix = message.get("date_unixtime")
    if unix is not None:
        try:
            return datetime.fromtimestamp(int(unix), tz=timezone.utc).isoformat()
        except (TypeError, ValueError, OverflowError):
            pass
    date = message.get("date")
    return date if isinstance(date, str) else None


@dataclass(frozen=True)
class TelegramExportSource:
    """Every text message of one exported channel; service messages and media without caption are counted, not sent."""

    path: Path

    def load(self) -> dict[str, Any]:
        try:
            export = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ProducerError(f"cannot read Telegram export {self.path}: {exc}") from exc
        if not isinstance(export, dict) or not isinstance(export.get("messages"), list):
            raise ProducerError(f"{self.path} is not a Telegram Desktop channel export (no 'messages' list)")
        return export

    def items(self, skipped: list[str] | None = None) -> Iterator[RawItem]:
        export = self.load()
        channel = export.get("name") or self.path.stem
        channel_id = export.get("id", channel)
        for message in export["messages"]:
            if not isinstance(message, dict) or message.get("type") != "message":
                if skipped is not None:
                    skipped.append(f"{message.get('id') if isinstance(message, dict) else '?'}: not a message")
                continue
            text = flatten_message_text(message.get("text"))
            if not text.strip():
                if skipped is not None:
                    skipped.append(f"{message.get('id')}: no text (media only)")
                continue
            data = {
                "id": f"tg-{channel_id}-{message.get('id')}",
                "text": text,
                "published_at": _message_time(message),
                "source": f"telegram:{channel}",
                "url": None,
                "title": None,
            }
            yield RawItem(origin=f"telegram:{self.path.name}", data=data)
