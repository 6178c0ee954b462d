"""Running one background phase of a workspace with truthful progress and retries.

Every phase (git index, code index, fix mining, search index, code and commit
embeddings) goes through ``run_phase``: its state in ``Workspace.phases`` (shown by
``mira/status``) and its ``$/progress`` end message say ``done`` only when the work
succeeded. A failure ends the progress with ``failed: …``, is shown once through
``window/showMessage`` (not again while it keeps failing), and the phase is run again
after a growing delay (``mira.core.phases.RETRY_DELAYS_S``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from mira.core.phases import TITLES
from mira.core.workspace import Workspace
from mira.lsp.progress import WorkProgress

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer

log = logging.getLogger(__name__)
T = TypeVar("T")

Report = Callable[[int, int | None, str], None]
Cancelled = Callable[[], bool]
Work = Callable[[Report, Cancelled], T]


YIELDING = {"code_embeddings", "commit_embeddings"}  # stop between batches when asked
PHASE_THREADS = ThreadPoolExecutor(4, "mira-phase")
REQUEST_THREADS = 32
_configured = False


class PhaseCancelled(Exception):
    """The user cancelled the phase from the progress UI (not a failure)."""


async def run_phase(ls: MiraServer, ws: Workspace, name: str, work: Work[T], *,
                    title: str | None = None, progress: bool = True,
                    retry: Callable[[], Coroutine[Any, Any, None]] | None = None,
                    cancelled_errors: tuple[type[BaseException], ...] = ()) -> T | None:
    """Run ``work(report, cancelled)`` in a worker thread as phase ``name``.

    Returns its result, or None when it failed or was cancelled.
    """
    phases = ws.phases
    scheduler = ls.state.scheduler
    _configure(asyncio.get_running_loop())
    if ws.db.role == "reader":  # another server indexes this workspace (notices.py)
        phases.off(name, "another Mira server is indexing this workspace")
        return None
    if phases.get(name).state != "running":
        phases.off(name, "waiting for a more urgent phase", "pending")
    async with scheduler.slot(name):
        return await _run(ls, ws, name, work, title, progress, retry, cancelled_errors)


async def _run(ls: MiraServer, ws: Workspace, name: str, work: Work[T], title: str | None,
               progress: bool, retry: Callable[[], Coroutine[Any, Any, None]] | None,
               cancelled_errors: tuple[type[BaseException], ...]) -> T | None:
    phases = ws.phases
    scheduler = ls.state.scheduler
    yields = name in YIELDING
    phases.start(name)
    label = title or f"Mira: {TITLES.get(name, name)}"
    reporter = WorkProgress(ls, label) if progress else None
    if reporter is not None:
        await reporter.__aenter__()

    def report(done: int, total: int | None, message: str) -> None:
        phases.progress(name, done, total, message)
        if reporter is not None:
            reporter.report(done, total, message)

    def is_cancelled() -> bool:
        return (reporter is not None and reporter.cancelled) or (
            yields and scheduler.should_yield(name))

    stops: tuple[type[BaseException], ...] = (PhaseCancelled, *cancelled_errors)
    loop = asyncio.get_running_loop()
    try:
        result = await loop.run_in_executor(PHASE_THREADS, work, report, is_cancelled)
        if reporter is not None and reporter.cancelled:  # stopped early: not done
            raise PhaseCancelled
        if yields and scheduler.should_yield(name) and not (reporter and reporter.cancelled):
            # paused between two batches for a more urgent phase: it goes on afterwards
            phases.off(name, "paused for a more urgent phase", "pending")
            if reporter is not None:
                reporter.end_message = "paused"
            if retry is not None:
                ls.state.spawn(retry(), f"resume {name} {ws.root}")
            return None
    except stops:
        phases.off(name, "cancelled; it resumes on the next change or reindex", "pending")
        if reporter is not None:
            reporter.end_message = "cancelled"
        return None
    except Exception as exc:
        log.warning("%s of %s failed", TITLES.get(name, name), ws.root, exc_info=True)
        delay = phases.fail(name, str(exc))
        if reporter is not None:
            reporter.end_message = f"failed: {exc}"
        if phases.get(name).attempts == 1:  # said once; the status keeps saying it
            ls.show(f"{TITLES.get(name, name)} of {ws.root.name} failed: {exc}"
                    + (f" (retrying in {delay:.0f}s)" if retry is not None else ""))
        if retry is not None:
            ls.state.spawn(_later(delay, retry), f"retry {name} {ws.root}")
        return None
    finally:
        if reporter is not None:
            await reporter.__aexit__(None, None, None)
    phases.finish(name)
    return result


def _configure(loop: asyncio.AbstractEventLoop) -> None:
    """Requests get a thread pool of their own size: background phases run on
    ``PHASE_THREADS``, so a long index never takes the threads hovers need (the default
    pool has only ``cpu_count + 4`` threads)."""
    global _configured
    if not _configured:
        _configured = True
        loop.set_default_executor(ThreadPoolExecutor(REQUEST_THREADS, "mira-request"))


async def _later(delay: float, retry: Callable[[], Coroutine[Any, Any, None]]) -> None:
    await asyncio.sleep(delay)
    await retry()
