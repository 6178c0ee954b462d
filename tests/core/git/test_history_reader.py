"""The git index's read side: concurrent snapshots and the per-generation path-name map."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mira.core.config import MiraConfig
from mira.core.git.history_store import HistoryReader, PathNames
from mira.core.workspace import Workspace
from tests.support.gitrepo import GitRepo


def _workspace(root: Path, tmp_path: Path) -> Workspace:
    ws = Workspace(root, MiraConfig(data_dir=str(tmp_path / "data")))
    ws.open()
    return ws


async def _names(reader: HistoryReader, ws: Workspace) -> PathNames:
    async with reader.snapshot() as conn:
        rows = list(await conn.execute_fetchall(
            "SELECT id, generation FROM repositories WHERE root = ?", (str(ws.root),)))
        return await reader.path_names(conn, int(rows[0][0]), int(rows[0][1]))


def _current(names: PathNames) -> dict[str, str]:
    return {path: names.current(path_id) for path_id, path in names.paths.items()}


def test_extended_path_names_equal_a_fresh_load(git_repo: GitRepo, tmp_path: Path) -> None:
    """One reader follows the index generation by generation (renames, a rename of a
    renamed file, a rewrite that drops a rename): its map always equals a fresh one."""
    ws = _workspace(git_repo.root, tmp_path)
    steady = HistoryReader(ws.db_path)

    async def compare() -> dict[str, str]:
        fresh = HistoryReader(ws.db_path)
        try:
            extended, loaded = _current(await _names(steady, ws)), _current(
                await _names(fresh, ws))
        finally:
            await fresh.close()
        assert extended == loaded
        return extended

    async def run() -> None:
        git_repo.commit("one", {"a.py": "a = 1\n" * 30, "t.py": "t\n"})
        ws.index_git()
        assert (await compare())["a.py"] == "a.py"
        git_repo.git("mv", "a.py", "b.py")
        git_repo.commit("rename a to b", {"t.py": "t2\n"})
        ws.index_git()
        assert (await compare())["a.py"] == "b.py"
        git_repo.git("mv", "b.py", "c.py")
        git_repo.commit("rename b to c", {"t.py": "t3\n"})
        ws.index_git()
        names = await compare()
        assert names["a.py"] == names["b.py"] == "c.py"
        # a rewrite drops the last rename: the map must forget it, not extend past it
        git_repo.git("reset", "-q", "--hard", "HEAD~1")
        git_repo.commit("edit b instead", {"b.py": "b = 2\n" * 30})
        ws.index_git()
        names = await compare()
        assert names["a.py"] == names["b.py"] == "b.py"
        await steady.close()
        await ws.close()

    asyncio.run(run())


def test_a_long_read_does_not_hold_up_other_reads(git_repo: GitRepo, tmp_path: Path) -> None:
    """A snapshot held open (a slow query) leaves other readers free: a co-change query
    answers while it is held."""
    git_repo.commit("one", {"a.py": "1\n", "b.py": "1\n"})
    git_repo.commit("two", {"a.py": "2\n", "b.py": "2\n"})
    ws = _workspace(git_repo.root, tmp_path)
    ws.index_git()

    async def run() -> None:
        held, release = asyncio.Event(), asyncio.Event()

        async def slow_reader() -> None:
            async with ws.reader.snapshot() as conn:
                await conn.execute_fetchall("SELECT COUNT(*) FROM commits")
                held.set()
                await release.wait()

        slow = asyncio.ensure_future(slow_reader())
        await held.wait()
        answer = await asyncio.wait_for(ws.cochange(ws.root / "a.py"), 10)
        assert [s.path for s in answer.items] == ["b.py"]
        assert not slow.done()
        release.set()
        await slow
        await ws.close()

    asyncio.run(run())
