"""Running the git indexer off the event loop, one run per workspace at a time."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from mira.core.git.indexer import IndexCancelled
from mira.core.workspace import Workspace
from mira.lsp.features import gather_safely
from mira.lsp.phase_runner import run_phase

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
    # the first run and an explicit reindex show progress; small follow-ups do not
    shown = reason in ("initial", "reindex")
    results = await run_phase(
        ls, ws, "git", lambda report, cancelled: ws.index_git(report, cancelled),
        title="Mira: indexing git history", progress=shown,
        retry=lambda: index_workspace(ls, ws, "retry"), cancelled_errors=(IndexCancelled,))
    for result in results or []:
        if result.added or result.removed:
            log.info("indexed %s: +%d -%d commits in %.2fs", ws.root, result.added,
                     result.removed, result.seconds)
