"""The chat tools: confined to the workspace, never showing secrets, failing softly."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

from mira.core.chat.tools import ToolBox
from mira.core.config import MiraConfig
from mira.core.workspace import Workspace
from tests.support.gitrepo import GitRepo


@pytest.fixture
async def box(repo: GitRepo, tmp_path: Path, workspaces: list[Workspace]) -> ToolBox:
    outside = tmp_path / "outside.txt"
    outside.write_text("outside secret\n")
    os.symlink(outside, repo.root / "link_out.txt")
    repo.commit("add a committed key by mistake", {"deploy.pem": "-----BEGIN KEY-----\nabc\n",
                                                   "notes.md": "deploy notes\n"})
    ws = Workspace(repo.root, MiraConfig(semantic_enabled=False))
    ws.open()
    ws.index_git()
    workspaces.append(ws)
    return ToolBox(ws)


async def _call(box: ToolBox, tool: str, **args: object) -> tuple[bool, str]:
    ok, out = await box.call(tool, json.dumps(args))
    return ok, out.content


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "link_out.txt",
                                  "sub/../../outside.txt"])
async def test_paths_outside_the_workspace_are_refused(box: ToolBox, path: str) -> None:
    ok, out = await _call(box, "read_file", path=path)
    assert not ok and ("outside the workspace" in out or "absolute paths" in out)
    assert "outside secret" not in out and "root:" not in out


@pytest.mark.parametrize("path", [".env", "deploy.pem"])
async def test_secret_files_are_never_read(box: ToolBox, path: str) -> None:
    ok, out = await _call(box, "read_file", path=path)
    assert not ok and "may contain secrets" in out


async def test_listing_search_and_git_never_show_secrets(box: ToolBox) -> None:
    ok, listing = await _call(box, "list_files")
    assert ok and "api.py" in listing and ".env" not in listing and "deploy.pem" not in listing
    ok, found = await _call(box, "search_code", query="API_TOKEN")
    assert ok and found == "no matches for 'API_TOKEN'"
    ok, found = await _call(box, "search_code", query="BEGIN KEY")
    assert "abc" not in found and "deploy.pem" not in found
    ok, show = await _call(box, "git_show", commit="HEAD")
    assert ok and "notes.md" in show and "BEGIN KEY" not in show
    assert "1 file(s) that may contain secrets are not shown" in show
    ok, log = await _call(box, "git_log", limit=3)
    assert ok and "add a committed key by mistake" in log


async def test_read_file_with_line_range_and_git_tools(box: ToolBox, repo: GitRepo) -> None:
    ok, out = await _call(box, "read_file", path="client.py", start_line=3, end_line=4)
    assert ok and out.startswith("3: def call():") and "4:     return handler(4)" in out
    (repo.root / "api.py").write_text("def handler(request):\n    return 99\n")
    ok, diff = await _call(box, "git_diff")
    assert ok and "+    return 99" in diff
    ok, bad = await _call(box, "git_show", commit="--output=/tmp/x")
    assert not ok and "not a commit" in bad
    ok, missing = await _call(box, "git_show", commit="deadbeef")
    assert not ok and "unknown commit" in missing


async def test_intelligence_tools_answer_from_the_indexes(box: ToolBox) -> None:
    ok, out = await _call(box, "cochange", path="api.py")
    assert ok and out.startswith("client.py — ")
    ok, out = await _call(box, "experts", path="api.py")
    assert ok and "Alice Liddell" in out
    ok, out = await _call(box, "blame", path="config.py", line=2)
    assert ok and "Bob Builder" in out and "Fix KeyError" in out
    ok, out = await _call(box, "find_symbol", name="parse_config")
    assert ok and "config.py" in out
    ok, out = await _call(box, "fixes", error="KeyError: 'name' in parse_config")
    assert ok and "Fix KeyError in parse_config" in out


async def test_run_command_is_off_unless_enabled_then_allow_listed(
        repo: GitRepo, workspaces: list[Workspace], monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace(repo.root, MiraConfig(semantic_enabled=False))
    ws.open()
    workspaces.append(ws)
    assert "run_command" not in ToolBox(ws).tools
    ok, out = await _call(ToolBox(ws), "run_command", command="git status")
    assert not ok and "unknown tool 'run_command'" in out

    monkeypatch.setenv("MIRA_TEST_API_KEY", "sk-env-secret")
    cfg = MiraConfig(semantic_enabled=False, run_command_enabled=True,
                     run_command_allowlist="git status,env", run_command_timeout_s=1.0)
    ws2 = Workspace(repo.root, cfg)
    ws2.open()
    workspaces.append(ws2)
    box = ToolBox(ws2)
    ok, out = await _call(box, "run_command", command="git status --short")
    assert ok and out.startswith("exit code 0")
    ok, out = await _call(box, "run_command", command="env")
    assert ok and "sk-env-secret" not in out and "MIRA_TEST_API_KEY" not in out
    ok, out = await _call(box, "run_command", command="rm -rf /")
    assert not ok and "is not allowed" in out
    ok, out = await _call(box, "run_command", command="git statusx")
    assert not ok and "is not allowed" in out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except (ProcessLookupError, FileNotFoundError):
        return False


async def test_run_command_timeout_and_cancel_kill_grandchildren(
        repo: GitRepo, workspaces: list[Workspace], tmp_path: Path) -> None:
    """The bug: only the direct child was killed, so what it started lived on."""
    cfg = MiraConfig(semantic_enabled=False, run_command_enabled=True,
                     run_command_allowlist="sh", run_command_timeout_s=1.0)
    ws = Workspace(repo.root, cfg)
    ws.open()
    workspaces.append(ws)
    box = ToolBox(ws)

    def spawner(pidfile: Path) -> str:  # a child that starts a long-lived grandchild
        return f"sh -c 'sleep 300 & echo $! > {pidfile}; wait'"

    timed_out = tmp_path / "timeout.pid"
    # (before the fix this hung: the grandchild kept the output pipe open)
    ok, out = await asyncio.wait_for(_call(box, "run_command", command=spawner(timed_out)), 30)
    assert not ok and "timed out" in out
    grandchild = int(timed_out.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert not _alive(grandchild)

    cfg.run_command_timeout_s = 60.0
    cancelled = tmp_path / "cancel.pid"
    task = asyncio.ensure_future(_call(box, "run_command", command=spawner(cancelled)))
    deadline = time.monotonic() + 10
    while not (cancelled.exists() and cancelled.read_text().strip()):
        assert time.monotonic() < deadline, "the command did not start"
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 30)
    grandchild = int(cancelled.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert not _alive(grandchild)
