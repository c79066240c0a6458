"""A progress bar on a terminal's stderr for long audits and matrices (nothing when
stderr is not a terminal, so logs and pipes stay clean)."""

from __future__ import annotations

import time
from typing import IO

WIDTH = 30


class ProgressBar:
    """Call with (done, total); ``close`` clears the line. Redraws at most every 0.1 s;
    nothing for fewer than ``min_total`` (a bar that would only flash)."""

    def __init__(self, stream: IO[str], label: str, force: bool = False,
                 min_total: int = 0) -> None:
        self.stream, self.label, self.min_total = stream, label, min_total
        self.active = force or bool(getattr(stream, "isatty", lambda: False)())
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.active or total <= 0 or total < self.min_total:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        filled = WIDTH * done // total
        bar = "#" * filled + "." * (WIDTH - filled)
        self.stream.write(f"\r[{bar}] {100 * done // total:3d}% {done:,}/{total:,} {self.label}\033[K")
        self.stream.flush()
        self._drawn = True

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.active and self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


__all__ = ["ProgressBar"]
