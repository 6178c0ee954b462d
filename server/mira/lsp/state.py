"""Per-server state: the open workspaces and which document belongs to which."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mira.core.config import MiraConfig
from mira.core.scheduler import Scheduler
from mira.core.workspace import Workspace

log = logging.getLogger(__name__)


class RunCoalescer:
    """One run at a time per key (e.g. ``("git", workspace root)``); requests that arrive
    during a run make exactly one more run after it, so a burst of events costs two runs."""

    def __init__(self) -> None:
        self._running: set[Hashable] = set()
        self._again: set[Hashable] = set()

    def running(self, key: Hashable) -> bool:
        return key in self._running

    async def run(self, key: Hashable, work: Callable[[], Awaitable[None]]) -> bool:
        """Run ``work`` (again while requested); False when a run in flight will do it."""
        if key in self._running:
            self._again.add(key)
            return False
        self._running.add(key)
        try:
            while True:
                self._again.discard(key)
                await work()
                if key not in self._again:
                    return True
        finally:
            self._running.discard(key)
            self._again.discard(key)


@dataclass
class ServerState:
    config: MiraConfig = field(default_factory=MiraConfig)
    workspaces: dict[Path, Workspace] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    pending_folders: list[Path] = field(default_factory=list)
    # background phases of every workspace take turns, the most urgent first
    scheduler: Scheduler = field(default_factory=Scheduler)
    git_missing: bool = False  # no git binary on PATH (checked at initialize)
    said: set[str] = field(default_factory=set)  # notices already shown (notices.py)
    notes: dict[Path, dict[str, str]] = field(default_factory=dict)  # per workspace
    runs: RunCoalescer = field(default_factory=RunCoalescer)  # git, code, search index runs
    watchers: dict[Path, asyncio.Task[None]] = field(default_factory=dict)  # per workspace
    code_started: set[Path] = field(default_factory=set)  # workspaces with a code index run
    build_published: set[str] = field(default_factory=set)  # URIs with mira-build diagnostics

    def workspace_for(self, path: Path) -> Workspace | None:
        """The innermost workspace folder containing ``path``."""
        best: Workspace | None = None
        for ws in list(self.workspaces.values()):
            if ws.contains(path) and (best is None or len(ws.root.parts) > len(best.root.parts)):
                best = ws
        return best

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run a background coroutine; its failure is logged, never fatal."""
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        task.set_name(name)
        self.tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self.tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("background task %s failed", name, exc_info=t.exception())

        task.add_done_callback(done)
        return task

    async def close_workspaces(self) -> None:
        """Cancel background work and close every workspace (``shutdown``, and before exit)."""
        for task in list(self.tasks):
            task.cancel()
        while self.workspaces:
            _, ws = self.workspaces.popitem()
            try:
                await ws.close()
            except Exception:
                log.exception("closing %s failed", ws.root)
