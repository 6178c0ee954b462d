"""The workspace's view of what is modified now: the working tree and unsaved buffers."""

from __future__ import annotations

from pathlib import Path

from mira.core import workspace as workspace_module
from mira.core.config import MiraConfig
from mira.core.workspace import Workspace
from tests.support.gitrepo import GitRepo


async def test_modified_now_counts_unsaved_buffers_and_caches_head_texts(tmp_path: Path
                                                                         ) -> None:
    repo = GitRepo(tmp_path / "repo")
    files = {f"m{i}.py": f"x = {i}\n" for i in range(workspace_module.HEAD_TEXTS_KEPT + 6)}
    repo.commit("init", files)
    ws = Workspace(repo.root, MiraConfig(semantic_enabled=False, code_enabled=False))
    ws.open()
    try:
        ws.index_git()
        [info] = ws.repos
        assert await ws.modified_now(info, {"m0.py": "x = 0\n"}, refresh_disk=True) == set()
        assert await ws.modified_now(info, {"m0.py": "x = 99\n"}, refresh_disk=False) == {
            "m0.py"}
        # a change on disk is seen when asked to refresh, not before
        (repo.root / "m1.py").write_text("x = 1000\n")
        assert await ws.modified_now(info, {}, refresh_disk=False) == set()
        assert await ws.modified_now(info, {}, refresh_disk=True) == {"m1.py"}
        # HEAD texts of many open files: the cache stays bounded
        buffers = {rel: text for rel, text in files.items()}
        assert await ws.modified_now(info, buffers, refresh_disk=False) == {"m1.py"}
        assert len(ws._head_texts) == workspace_module.HEAD_TEXTS_KEPT
    finally:
        await ws.close()
