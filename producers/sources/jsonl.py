"""JSONL files: one report per line (the ``rasd analyze`` input format)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from producers.exceptions import ProducerError
from producers.publisher import RawItem


@dataclass(frozen=True)
class JsonlFileSource:
    """Yield every non-blank line of a JSONL file as raw bytes (validated downstream)."""

    path: Path

    def items(self) -> Iterator[RawItem]:
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise ProducerError(f"cannot read {self.path}: {exc}") from exc
        with handle:
            for number, line in enumerate(handle, start=1):
                line = line.rstrip(b"\r\n")
                if line.strip():
                    yield RawItem(origin=f"file:{self.path.name}:{number}", raw=line)
