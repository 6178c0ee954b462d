"""Server-initiated work-done progress that worker threads can report into."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer

log = logging.getLogger(__name__)


class WorkProgress:
    """``$/progress`` begin/report/end; ``cancelled`` is safe to poll from any thread."""

    def __init__(self, ls: MiraServer, title: str, cancellable: bool = True) -> None:
        self.ls = ls
        self.title = title
        self.cancellable = cancellable
        self.token = f"mira-{uuid.uuid4().hex[:12]}"
        self._cancel = threading.Event()
        self._loop = asyncio.get_running_loop()
        self._enabled = False
        self.end_message: str | None = None  # "done" / "cancelled" unless set (a failure)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    async def __aenter__(self) -> WorkProgress:
        caps = self.ls.client_capabilities
        supported = bool(caps and caps.window and caps.window.work_done_progress)
        if supported:
            try:
                await asyncio.wait_for(self.ls.work_done_progress.create_async(self.token), 5)
                self._enabled = True
            except Exception as exc:  # client refused or did not answer: work goes on
                log.debug("progress not available: %s", exc)
        if self._enabled:
            self.ls.work_done_progress.begin(self.token, types.WorkDoneProgressBegin(
                title=self.title, cancellable=self.cancellable, percentage=0))
            future = self.ls.work_done_progress.tokens.get(self.token)
            if future is not None:
                future.add_done_callback(lambda f: self._cancel.set() if f.cancelled() else None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._enabled:
            message = self.end_message or ("cancelled" if self.cancelled else "done")
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.ls.work_done_progress.tokens.pop(self.token, None)

    def report(self, done: int, total: int | None, message: str) -> None:
        """Thread-safe."""
        if not self._enabled:
            return
        percentage = min(100, int(done * 100 / total)) if total else None
        value = types.WorkDoneProgressReport(message=message, percentage=percentage)
        self._loop.call_soon_threadsafe(self.ls.work_done_progress.report, self.token, value)
