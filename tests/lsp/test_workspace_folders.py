"""A workspace folder removed from the session stops being watched and indexed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mira.core.config import MiraConfig
from mira.core.workspace import Workspace
from mira.lsp.handlers import create_server
from mira.lsp.handlers.lifecycle import remove_workspace
from mira.lsp.watcher import watch_workspace
from tests.support.gitrepo import cochange_fixture


async def test_removing_a_folder_cancels_its_watcher_and_closes_it(tmp_path: Path) -> None:
    ls = create_server()
    repo = cochange_fixture(tmp_path / "repo")
    ws = Workspace(repo.root, MiraConfig(semantic_enabled=False, code_enabled=False))
    ws.open()
    ls.state.workspaces[ws.root] = ws
    watcher = ls.state.spawn(watch_workspace(ls, ws), f"watch {ws.root}")
    ls.state.watchers[ws.root] = watcher
    await asyncio.sleep(0.2)  # the watcher is running
    assert not watcher.done()

    await remove_workspace(ls, repo.root)
    assert watcher.cancelled()
    assert ws.root not in ls.state.watchers and ws.root not in ls.state.workspaces
    await remove_workspace(ls, repo.root)  # removing twice is harmless
