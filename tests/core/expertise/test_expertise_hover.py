"""A hover on an edited file: blame, the enclosing symbol and line ownership all come from
the same version of the file, the unsaved buffer (before, symbols came from disk)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mira.core.config import MiraConfig
from mira.core.expertise.service import ExpertiseService
from mira.core.workspace import Workspace
from tests.support.gitrepo import GitRepo

FUNC_A = "def func_a():\n" + "".join(f"    a{i} = {i}\n" for i in range(8)) + "    return 0\n"
FUNC_B = "\n\ndef func_b():\n" + "".join(f"    b{i} = {i}\n" for i in range(8)) + "    return 1\n"


async def test_hover_on_an_edited_file_uses_the_buffer_for_symbol_and_ownership(
        tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("add func_a", {"m.py": FUNC_A}, author="alice")
    repo.commit("tune func_a", {"m.py": FUNC_A.replace("a0 = 0", "a0 = 10")}, author="alice")
    disk = FUNC_A.replace("a0 = 0", "a0 = 10") + FUNC_B
    repo.commit("add func_b", {"m.py": disk}, author="bob")
    ws = Workspace(repo.root, MiraConfig(semantic_enabled=False))
    ws.open()
    try:
        ws.index_git()
        service = ws.service(ExpertiseService)
        path = repo.root / "m.py"
        shift = 15
        buffer = "# notes\n" * shift + disk  # unsaved lines above everything
        line_in_b = disk.splitlines().index("    b3 = 3") + shift
        await service.hover(path, line_in_b, buffer, 5)  # cold: whole-file blame follows
        await asyncio.gather(*service._background)
        blame, experts = await service.hover(path, line_in_b, buffer, 5)
        assert blame is not None and blame.author == "Bob Builder"
        # func_b's lines are all Bob's: ownership outweighs Alice's longer history
        assert experts[0].name == "Bob Builder", experts
    finally:
        await ws.close()
