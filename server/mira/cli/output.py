"""Terminal output helpers: JSON lines, a progress bar only on a terminal."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO, TypeVar

T = TypeVar("T")


def emit_json(obj: Any, stream: TextIO | None = None) -> None:
    (stream or sys.stdout).write(json.dumps(obj, ensure_ascii=False) + "\n")


def show(as_json: bool, payload: Any, items: Sequence[T], empty: str,
         line: Callable[[T], str]) -> int:
    """A listing command's answer, exit code 0.

    ``--json``: ``payload`` as one JSON line (a script's contract); otherwise a line (or block)
    per item for a person, or ``empty`` saying what was not found.
    """
    if as_json:
        emit_json(payload)
        return 0
    if not items:
        print(empty)
    for item in items:
        print(line(item))
    return 0


def day(ts: float) -> str:
    """A Unix time as its UTC date (2026-12-03)."""
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%d")


class ProgressBar:
    """A one-line bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.label = label
        self._last = 0.0

    def __call__(self, done: int, total: int | None, message: str) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done != total:
            return
        self._last = now
        if total:
            width = 30
            filled = int(width * min(done, total) / total)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {done}/{total}")
        else:
            self.stream.write(f"\r{self.label} {message}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def count(n: int, noun: str) -> str:
    """'1 commit', '3 commits'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
