"""Running the git indexer off the event loop, one run per workspace at a time."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from mira.core.git.indexer import IndexCancelled
from mira.core.stores.database import DatabaseError
from mira.core.workspace import Workspace
from mira.lsp.features import gather_safely
from mira.lsp.progress import WorkProgress

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer

log = logging.getLogger(__name__)

async def index_workspace(ls: MiraServer, ws: Workspace, reason: str) -> None:
    """Index now; if a run is in flight, run once more after it (coalescing bursts)."""
    if ls.state.git_missing:  # said once at open (notices.py); nothing to run
        return
    reasons = iter([reason])

    async def run() -> None:
        await _run(ls, ws, next(reasons, "changed during indexing"))

    if not await ls.state.runs.run(("git", ws.root), run):
        return  # the run in flight runs once more
    for repo in ws.repos:
        ws.head_moved(repo)
    await gather_safely("git_indexed", [p(ls, ws) for p in ls.providers.git_indexed])


async def _run(ls: MiraServer, ws: Workspace, reason: str) -> None:
    if reason in ("initial", "reindex"):
        async with WorkProgress(ls, "Mira: indexing git history") as progress:
            await _index(ls, ws, progress)
    else:
        await _index(ls, ws, None)


async def _index(ls: MiraServer, ws: Workspace, progress: WorkProgress | None) -> None:
    try:
        results = await asyncio.to_thread(
            ws.index_git,
            progress.report if progress else None,
            (lambda: progress.cancelled) if progress else None,
        )
    except IndexCancelled:
        log.info("indexing of %s cancelled; it resumes on the next change or reindex", ws.root)
        return
    except DatabaseError as exc:
        ls.show(str(exc))
        return
    except Exception as exc:
        log.exception("indexing %s failed", ws.root)
        ls.show(f"indexing {ws.root} failed: {exc}")
        return
    for result in results:
        if result.added or result.removed:
            log.info("indexed %s: +%d -%d commits in %.2fs", ws.root, result.added,
                     result.removed, result.seconds)
