"""A hover on an edited file: blame, the enclosing symbol and line ownership all come from
the same version of the file, the unsaved buffer (before, symbols came from disk)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from mira.core.config import MiraConfig
from mira.core.expertise import blame as blame_module
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


def _repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("add func_a", {"m.py": FUNC_A}, author="alice")
    repo.commit("add func_b", {"m.py": FUNC_A + FUNC_B}, author="bob")
    return repo


async def test_a_slow_blame_leaves_the_hover_fast_and_is_shared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git blame slower than the hover's wait (long histories): the hover answers with its
    experts and says the blame is pending; the one blame run started when the file was
    opened serves every later hover of that version."""
    repo = _repo(tmp_path)
    runs: list[str] = []
    real = blame_module._run_blame

    def slow_blame(root: Path, rel: str, content: bytes | None, extra: list[str]) -> bytes:
        runs.append(rel)
        time.sleep(0.5)
        return real(root, rel, content, extra)

    monkeypatch.setattr(blame_module, "_run_blame", slow_blame)
    ws = Workspace(repo.root, MiraConfig(semantic_enabled=False))
    ws.open()
    try:
        ws.index_git()
        service = ws.service(ExpertiseService)
        path = repo.root / "m.py"
        text = path.read_text()
        await service.prefetch(path, text)  # didOpen
        started = time.perf_counter()
        blame, experts = await service.hover(path, 2, text, 5)
        assert time.perf_counter() - started < 0.4
        assert blame is not None and blame.pending
        assert {e.name for e in experts} == {"Alice Liddell", "Bob Builder"}
        await asyncio.gather(*service._background)
        blame, _ = await service.hover(path, 2, text, 5)
        assert blame is not None and not blame.pending and blame.author == "Alice Liddell"
        assert (await service.blame_line(path, 14, text)).author == "Bob Builder"  # type: ignore[union-attr]
        assert runs == ["m.py"]
    finally:
        await ws.close()


async def test_lens_experts_of_ranges_match_per_line_experts(tmp_path: Path) -> None:
    """The CodeLens asks for every top-level symbol at once: same answer as one request
    per symbol (history looked up once, ownership per symbol)."""
    repo = _repo(tmp_path)
    ws = Workspace(repo.root, MiraConfig(semantic_enabled=False))
    ws.open()
    try:
        ws.index_git()
        service = ws.service(ExpertiseService)
        path = repo.root / "m.py"
        await service.blame_lines(path)  # ownership comes from a cached whole-file blame
        lines = (FUNC_A + FUNC_B).splitlines()
        spans = [(0, lines.index("    return 0")), (lines.index("def func_b():"),
                                                      len(lines) - 1)]
        together = await service.experts_of_ranges(path, [*spans, None], 5)
        one_by_one = [await service.experts(path, first, 5) for first, _ in spans]
        assert together[:2] == one_by_one
        assert together[2] == await service.experts(path, None, 5)
        assert together[0][0].name == "Alice Liddell" and together[1][0].name == "Bob Builder"
    finally:
        await ws.close()
