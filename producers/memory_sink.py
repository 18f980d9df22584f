"""An in-process sink: the embedded mode's queue, and the producers' unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MemorySink:
    reports: list[tuple[bytes, bytes]] = field(default_factory=list)
    dead_letters: list[tuple[bytes | None, bytes]] = field(default_factory=list)
    flushes: int = 0

    def send_report(self, key: bytes, value: bytes) -> None:
        self.reports.append((key, value))

    def send_dead_letter(self, key: bytes | None, value: bytes) -> None:
        self.dead_letters.append((key, value))

    def flush(self) -> None:
        self.flushes += 1
