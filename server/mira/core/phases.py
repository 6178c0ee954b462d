"""Truthful status of a workspace's background work, one record per phase.

Why: a phase that failed used to end its progress with "done" while its tables stayed
empty. Every phase now moves ``pending → running → done | failed``; a failed phase keeps
its error and the time of its next retry, and is never reported as done until a run
succeeds. Thread-safe: phases run in worker threads, status is read on the event loop.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

# the order users meet them in; also the scheduler's order of background work
PHASES = ("git", "code", "fixes", "chunks", "code_embeddings", "commit_embeddings")
TITLES = {
    "git": "git index",
    "code": "code index",
    "fixes": "fix mining",
    "chunks": "search index",
    "code_embeddings": "code embeddings",
    "commit_embeddings": "commit embeddings",
}
RETRY_DELAYS_S = (5.0, 30.0, 120.0, 600.0)  # then every 600 s


@dataclass
class Phase:
    name: str
    state: str = "pending"  # pending | running | done | failed | off
    done: int = 0
    total: int | None = None
    message: str | None = None
    error: str | None = None
    attempts: int = 0  # failed runs in a row
    started_at: float | None = None
    finished_at: float | None = None
    retry_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Phases:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._phases = {name: Phase(name) for name in PHASES}

    def get(self, name: str) -> Phase:
        with self._lock:
            phase = self._phases.get(name)
            if phase is None:
                phase = self._phases[name] = Phase(name)
            return Phase(**asdict(phase))

    def _update(self, name: str, **changes: Any) -> Phase:
        with self._lock:
            phase = self._phases.setdefault(name, Phase(name))
            for key, value in changes.items():
                setattr(phase, key, value)
            return Phase(**asdict(phase))

    def start(self, name: str) -> None:
        self._update(name, state="running", started_at=time.time(), finished_at=None,
                     retry_at=None, message=None, done=0, total=None)

    def progress(self, name: str, done: int, total: int | None, message: str | None = None
                 ) -> None:
        self._update(name, done=done, total=total, message=message)

    def finish(self, name: str, message: str | None = None, **extra: Any) -> None:
        self._update(name, state="done", finished_at=time.time(), error=None, attempts=0,
                     message=message, extra=extra)

    def off(self, name: str, reason: str, state: str = "off") -> None:
        """Not running on purpose: ``off`` (disabled) or ``pending`` (cancelled)."""
        self._update(name, state=state, message=reason)

    def fail(self, name: str, error: str) -> float:
        """Record a failure; returns the delay before the next attempt (backoff)."""
        with self._lock:
            phase = self._phases.setdefault(name, Phase(name))
            phase.attempts += 1
            delay = RETRY_DELAYS_S[min(phase.attempts, len(RETRY_DELAYS_S)) - 1]
            phase.state, phase.error = "failed", error
            phase.finished_at = time.time()
            phase.retry_at = phase.finished_at + delay
            return delay

    def snapshot(self) -> list[dict[str, Any]]:
        """Every phase as plain data (``mira/status``), in ``PHASES`` order."""
        with self._lock:
            ordered = sorted(self._phases.values(),
                             key=lambda p: PHASES.index(p.name) if p.name in PHASES else 99)
            return [{
                "name": p.name, "title": TITLES.get(p.name, p.name), "state": p.state,
                "done": p.done, "total": p.total, "message": p.message, "error": p.error,
                "attempts": p.attempts, "startedAt": p.started_at,
                "finishedAt": p.finished_at, "retryAt": p.retry_at, **p.extra,
            } for p in ordered]
