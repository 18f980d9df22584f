"""A progress counter for long inputs: one line rewritten in place on a terminal, periodic lines otherwise."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TextIO

_CLEAR_TO_END = "\033[K"


@dataclass
class Progress:
    """Counts input lines, accepted and refused reports, and shows the rate.

    Attributes:
        stream: where to write (standard error).
        tty: rewrite one line in place (default: whether ``stream`` is a terminal).
        every_lines: without a terminal, write a line every this many input lines.
        min_interval: on a terminal, redraw at most this often (seconds).
    """

    stream: TextIO
    tty: bool | None = None
    every_lines: int = 1000
    min_interval: float = 0.1
    lines: int = 0
    accepted: int = 0
    refused: int = 0
    started: float = field(default_factory=time.perf_counter)
    _drawn: float = 0.0

    def __post_init__(self) -> None:
        if self.tty is None:
            isatty = getattr(self.stream, "isatty", None)
            self.tty = bool(isatty and isatty())

    def describe(self) -> str:
        """e.g. ``"17 lines · 16 accepted · 1 refused · 18.5 lines/s"``."""
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        return (f"{self.lines} lines · {self.accepted} accepted · {self.refused} refused · "
                f"{self.lines / elapsed:.1f} lines/s")

    def update(self, *, accepted: bool) -> None:
        """Count one input line that was accepted or refused, and redraw when it is time."""
        self.lines += 1
        self.accepted += accepted
        self.refused += not accepted
        if self.tty:
            now = time.perf_counter()
            if now - self._drawn >= self.min_interval:
                self._drawn = now
                self._write(f"\r  processing: {self.describe()}{_CLEAR_TO_END}")
        elif self.lines % self.every_lines == 0:
            self._write(f"  processing: {self.describe()}\n")

    def finish(self) -> None:
        """Write the final count (ending the in-place line on a terminal)."""
        elapsed = time.perf_counter() - self.started
        line = f"  processed: {self.describe()} in {elapsed:.1f} s"
        self._write(f"\r{line}{_CLEAR_TO_END}\n" if self.tty else f"{line}\n")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
