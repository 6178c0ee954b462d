"""BuildService on real git repositories: runs, resolutions, commits, past fixes, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from mira.core.build.service import BuildService, BuildStartError
from mira.core.config import MiraConfig
from mira.core.workspace import Workspace
from tests.support.gitrepo import GitRepo

PYTEST = "python3 -m pytest -q -p no:cacheprovider"
BUGGY = "def total(prices):\n    return sum(prices) + '0'\n"
FIXED = "def total(prices):\n    return sum(prices)\n"
TEST = "from shop import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n"


def fixture_repo(root: Path) -> GitRepo:
    repo = GitRepo(root)
    repo.commit("initial shop", {"shop.py": FIXED, "test_shop.py": TEST,
                                 "util.py": "X = 1\n"})
    repo.commit("Fix TypeError in total when prices contain strings", {
        "shop.py": "def total(prices):\n    return sum(int(p) for p in prices)\n"})
    repo.commit("docs", {"README.md": "shop\n"}, author="bob")
    repo.commit("bump util", {"util.py": "X = 2\n"}, author="carol")
    return repo


async def open_ws(root: Path) -> Workspace:
    ws = Workspace(root, MiraConfig(build_commands=PYTEST))
    ws.open()
    return ws


async def test_run_resolve_commit_and_fix(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path / "repo")
    ws = await open_ws(repo.root)
    service = ws.service(BuildService)
    try:
        (repo.root / "shop.py").write_text(BUGGY)
        [run] = await service.run()
        assert run.status == "failed" and run.exit_code == 1 and run.dirty
        [error] = run.errors
        assert (error.tool, error.code, error.path) == ("pytest", "TypeError", "shop.py")
        assert error.line == 1
        assert (await service.recent_errors())[0].fingerprint == error.fingerprint

        fixes = await service.fixes_for(error.message, repo.root / "shop.py")
        assert fixes[0].summary.startswith("Fix TypeError in total")
        assert 0 < fixes[0].similarity <= 1 and "shop.py" in fixes[0].files
        assert "sum(int(p)" in fixes[0].hunk

        # fix in the working tree: resolved, no commit yet
        (repo.root / "shop.py").write_text(FIXED)
        [run2] = await service.run()
        assert run2.status == "passed" and run2.resolved == [error.fingerprint]
        [res] = await service.resolutions()
        assert res.resolved_by_commit is None and res.files == ["shop.py"]

        # committing it attaches the commit at the next run
        fix = repo.commit("Make total robust", {"shop.py": FIXED})
        await service.run()
        [res] = await service.resolutions()
        assert res.resolved_by_commit == fix
        # the same error again: the recorded resolution is the best match
        top = (await service.fixes_for(error.message))[0]
        assert top.commit == fix and top.similarity >= 0.9
    finally:
        await ws.close()


async def test_bad_commands_lose_nothing(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path / "repo")
    ws = await open_ws(repo.root)
    service = ws.service(BuildService)
    try:
        (repo.root / "shop.py").write_text(BUGGY)
        await service.run()
        [missing] = await service.run(["no-such-build-tool --all"])
        assert missing.status == "error" and "command not found" in (missing.message or "")
        ws.config.build_timeout_s = 1.0
        [hung] = await service.run(["sleep 120"])
        assert hung.status == "timeout"
        errors = await service.recent_errors()
        assert [e.code for e in errors] == ["TypeError"]  # the earlier run is intact
        assert len(await service.runs()) == 3
    finally:
        await ws.close()


async def test_paths_outside_the_workspace_and_windows_paths(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path / "repo")
    outside = tmp_path / "elsewhere.py"
    script = repo.root / "emit.sh"
    script.write_text(
        f"echo '{outside}:3: error: Name \"x\" is not defined  [name-defined]'\n"
        "echo 'C:\\\\proj\\\\src\\\\app.ts(4,7): error TS2345: Bad.'\n"
        f"echo '{repo.root}/shop.py:1: error: Oops  [misc]'\nexit 1\n")
    ws = await open_ws(repo.root)
    service = ws.service(BuildService)
    try:
        [run] = await service.run(["sh emit.sh"])
        paths = {e.path for e in run.errors}
        assert paths == {str(outside), "C:/proj/src/app.ts", "shop.py"}
        assert service.is_local(str(outside)) is None
        assert service.is_local("C:/proj/src/app.ts") is None
        assert service.is_local("shop.py") == (repo.root / "shop.py").resolve()
    finally:
        await ws.close()


async def test_no_command_detected(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    ws = Workspace(tmp_path / "empty")
    ws.open()
    try:
        with pytest.raises(BuildStartError, match="no build command"):
            await ws.service(BuildService).run()
    finally:
        await ws.close()


async def test_cancelling_the_task_kills_the_build_and_records_it(tmp_path: Path) -> None:
    import asyncio

    repo = fixture_repo(tmp_path / "repo")
    ws = await open_ws(repo.root)
    service = ws.service(BuildService)
    try:
        task = asyncio.ensure_future(service.run(["sleep 120"]))
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        [run] = await service.runs()
        assert run["status"] == "cancelled" and run["command"] == "sleep 120"
    finally:
        await ws.close()
