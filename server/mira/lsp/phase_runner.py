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
        return reporter is not None and reporter.cancelled

    stops: tuple[type[BaseException], ...] = (PhaseCancelled, *cancelled_errors)
    try:
        result = await asyncio.to_thread(work, report, is_cancelled)
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


async def _later(delay: float, retry: Callable[[], Coroutine[Any, Any, None]]) -> None:
    await asyncio.sleep(delay)
    await retry()
