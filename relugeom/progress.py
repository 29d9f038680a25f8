"""A plain progress bar on stderr for long runs (no dependency).

On a terminal the bar redraws in place at most ten times a second; elsewhere (a log file) it
prints a line at every tenth of the way. Disabled bars cost one comparison per update.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``Progress(total, label)``; call :meth:`update` with the number of units done so far."""

    def __init__(self, total: int, label: str, enabled: bool = True,
                 stream: TextIO | None = None, width: int = 30):
        self.total = max(int(total), 1)
        self.label = label
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self._last_tenth = -1
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.status = ""

    def update(self, done: int, status: str = "") -> None:
        if not self.enabled:
            return
        if status:
            self.status = status
        now = time.perf_counter()
        fraction = min(done / self.total, 1.0)
        if self._tty:
            if now - self._last_draw < 0.1 and done < self.total:
                return
            self._last_draw = now
            filled = int(fraction * self.width)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {fraction:4.0%} {self.status}"
                              f" {now - self.start:5.1f}s\033[K")
            self.stream.flush()
        else:
            tenth = int(fraction * 10)
            if tenth > self._last_tenth:
                self._last_tenth = tenth
                self.stream.write(f"{self.label}: {fraction:4.0%} {self.status} "
                                  f"({now - self.start:.1f}s)\n")
                self.stream.flush()

    def shifted(self, offset: int) -> "_Shifted":
        """A view whose updates count from ``offset`` (several runs sharing one bar)."""
        return _Shifted(self, offset)

    def close(self) -> None:
        if self.enabled and self._tty:
            self.stream.write("\n")
            self.stream.flush()


class _Shifted:
    def __init__(self, bar: Progress, offset: int):
        self.bar, self.offset = bar, offset

    def update(self, done: int, status: str = "") -> None:
        self.bar.update(self.offset + done, status)
