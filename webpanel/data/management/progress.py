"""A terminal progress bar for data commands (on stderr, so --json output stays clean)."""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """``progress(percent, message)`` callable drawing ``[#####-----]  50% message``."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.last = -1

    def __call__(self, percent: float, message: str = "") -> None:
        if not self.enabled or int(percent) == self.last:
            return
        self.last = int(percent)
        filled = int(WIDTH * percent / 100)
        self.stream.write(
            f"\r[{'#' * filled}{'-' * (WIDTH - filled)}] {percent:5.1f}% {message:<30}"
        )
        self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\n")
