"""A plain-text progress bar for long CLI jobs: drawn only on a terminal, so logs and pipes stay clean."""

from __future__ import annotations

from typing import TextIO


class ProgressBar:
    """``[#########...........] 512/1,000 rows``, redrawn in place on ``stream`` when it is a TTY."""

    def __init__(self, total: int, stream: TextIO, *, unit: str = "rows", width: int = 30) -> None:
        self.total = total
        self.unit = unit
        self.width = width
        self._stream = stream
        self._enabled = total > 0 and stream.isatty()
        self._drawn = False

    def render(self, done: int) -> str:
        filled = self.width * done // self.total if self.total else self.width
        return f"[{'#' * filled}{'.' * (self.width - filled)}] {done:,}/{self.total:,} {self.unit}"

    def update(self, done: int) -> None:
        if self._enabled:
            self._stream.write("\r" + self.render(done))
            self._stream.flush()
            self._drawn = True

    def close(self) -> None:
        """Erase the bar, so the summary line that follows starts on a clean line."""
        if self._drawn:
            self._stream.write("\r" + " " * len(self.render(self.total)) + "\r")
            self._stream.flush()
            self._drawn = False
