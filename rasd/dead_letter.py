"""Dead letters: what a stage refused, why, and the original bytes, so nothing is lost."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from rasd.schema import SCHEMA_VERSION


@dataclass(frozen=True)
class DeadLetter:
    """A message refused by a stage, with the reason and the original bytes."""

    stage: str
    code: str
    message: str
    original: bytes
    report_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "stage": self.stage,
            "code": self.code,
            "message": self.message,
            "report_id": self.report_id,
            "original_b64": base64.b64encode(self.original).decode("ascii"),
            "failed_at": utc_now(),
        }

    def to_json_bytes(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False).encode("utf-8")


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")
