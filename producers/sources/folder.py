"""A watched folder: JSONL files dropped in are published line by line, then moved to ``processed/``."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from producers.publisher import RawItem
from producers.sources.jsonl import JsonlFileSource


@dataclass
class WatchedFolderSource:
    """New ``*.jsonl`` files in ``path`` whose size has been stable for ``settle_s`` seconds."""

    path: Path
    settle_s: float = 1.0

    @property
    def processed_dir(self) -> Path:
        return self.path / "processed"

    def ready_files(self, now: float | None = None) -> list[Path]:
        now = time.time() if now is None else now
        files = []
        for candidate in sorted(self.path.glob("*.jsonl")):
            try:
                stat = candidate.stat()
            except FileNotFoundError:
                continue
            if now - stat.st_mtime >= self.settle_s:
                files.append(candidate)
        return files

    def items(self, path: Path) -> Iterator[RawItem]:
        yield from JsonlFileSource(path).items()

    def mark_done(self, path: Path) -> Path:
        """Move a published file out of the way (after the publisher flushed it)."""
        self.processed_dir.mkdir(parents=True, exist_ok=True)
        target = self.processed_dir / path.name
        if target.exists():
            target = self.processed_dir / f"{path.stem}.{int(time.time() * 1000)}{path.suffix}"
        shutil.move(str(path), target)
        return target
