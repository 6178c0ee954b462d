"""Watching a workspace: ref changes re-index git, other changes refresh the work tree."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from watchfiles import Change, DefaultFilter, awatch

from mira.core.workspace import Workspace
from mira.lsp.features import gather_safely
from mira.lsp.indexing import index_workspace

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer

log = logging.getLogger(__name__)


class MiraFilter(DefaultFilter):
    """Keep ``.git/HEAD``, ``.git/refs/**`` and ``.git/packed-refs``; drop other git
    internals, Mira's own data, dependency folders and virtualenvs."""

    ignore_dirs = (*DefaultFilter.ignore_dirs, ".mira", "venv", "env", ".ruff_cache")

    def __call__(self, change: Change, path: str) -> bool:
        parts = Path(path).parts
        if ".git" in parts:
            rest = parts[parts.index(".git") + 1:]
            return bool(rest) and (rest[0] in ("HEAD", "packed-refs", "refs")) \
                and not rest[-1].endswith(".lock")
        return super().__call__(change, path)


def is_git_ref_change(path: str) -> bool:
    return ".git" in Path(path).parts


async def watch_workspace(ls: MiraServer, ws: Workspace) -> None:
    debounce = ls.state.config.watch_debounce_ms
    async for changes in awatch(ws.root, watch_filter=MiraFilter(), debounce=debounce, step=20,
                                recursive=True, ignore_permission_denied=True):
        paths = {p for _, p in changes}
        if any(is_git_ref_change(p) for p in paths):
            await index_workspace(ls, ws, "refs changed")
        files = {p for p in paths if not is_git_ref_change(p)}
        if files:
            await gather_safely("worktree_changed",
                                [p(ls, ws) for p in ls.providers.worktree_changed])
            await gather_safely("files_changed",
                                [p(ls, ws, files) for p in ls.providers.files_changed])
