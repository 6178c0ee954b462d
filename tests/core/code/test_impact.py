"""The symbol at a position and the impact of changing it, from CodeService (the LSP
handler and the CLI only convert)."""

from __future__ import annotations

from pathlib import Path

from mira.core.code.service import CodeService
from mira.core.config import MiraConfig
from mira.core.workspace import Workspace
from tests.support.gitrepo import GitRepo

SOURCE = "def helper():\n    return 1\n\n\ndef main():\n    return helper()\n"


async def test_symbol_at_prefers_the_name_under_the_cursor_and_reads_the_buffer(
        tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("init", {"app.py": SOURCE})
    ws = Workspace(repo.root, MiraConfig(semantic_enabled=False))
    ws.open()
    try:
        service = ws.service(CodeService)
        service.index()
        path = repo.root / "app.py"
        # on the name `main` (line 4), and inside its body (line 5)
        on_name, in_body = await service.symbol_at(path, 4, 5), await service.symbol_at(path, 5)
        assert on_name is not None and on_name.qualified_name == "app.main"
        assert in_body is not None and in_body.qualified_name == "app.main"
        # an unsaved buffer with a new function above: positions follow the buffer
        edited = "def added():\n    pass\n\n\n" + SOURCE
        at = await service.symbol_at(path, 0, 5, edited)
        assert at is not None and at.qualified_name == "app.added"

        impact = await service.impact(path, 0, character=5)
        assert impact is not None and impact.symbol.qualified_name == "app.helper"
        assert [e.caller.qualified_name for e in impact.callers] == ["app.main"]
        assert impact.cochange_root == repo.root.resolve()  # co-change is asked, not guessed
    finally:
        await ws.close()
