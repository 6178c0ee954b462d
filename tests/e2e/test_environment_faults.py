"""An unfriendly environment, over stdio against the real server: no ``git`` on PATH, a
data directory that cannot be written. Each is said once and the rest keeps working."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.support.gitrepo import GitRepo
from tests.support.rawlsp import RawServer

SOURCE = '''"""Payments."""


class Ledger:
    def post(self, amount):
        return record_entry(amount)


def record_entry(amount):
    return amount
'''


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("ledger", {"pay/ledger.py": SOURCE, "pay/__init__.py": ""})
    repo.commit("more", {"pay/ledger.py": SOURCE + "\n\nLIMIT = 10\n"})
    return repo


def _code_files(status: dict[str, Any]) -> int:
    return sum(int(c.get("files", 0)) for c in status.get("extra", {}).get("code", {}).values())


def _symbol_names(server: RawServer, uri: str) -> list[str]:
    reply = server.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    assert "error" not in reply, reply
    return [s["name"] for s in reply["result"] or []]


def test_git_missing_is_said_once_and_code_features_work(repo: GitRepo, tmp_path: Path) -> None:
    empty_path = tmp_path / "bin-without-git"
    empty_path.mkdir()
    server = RawServer(tmp_path, PATH=str(empty_path))
    try:
        server.initialize(repo.root, {"dataDir": str(tmp_path / "data")})
        status = server.wait_status(lambda s: _code_files(s) >= 2, timeout=60)
        [workspace] = status["workspaces"]
        assert "git was not found on PATH" in workspace["message"]
        assert not any(r["state"] == "indexing" for r in workspace["repositories"])
        uri = (repo.root / "pay" / "ledger.py").as_uri()
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": SOURCE}})
        assert _symbol_names(server, uri) == ["Ledger", "record_entry"]
        found = server.request("workspace/symbol", {"query": "record_entry"})["result"]
        assert any(s["name"] == "record_entry" for s in found)
        hover = server.request("textDocument/hover", {
            "textDocument": {"uri": uri}, "position": {"line": 4, "character": 8}})
        assert "error" not in hover
        cochange = server.request("mira/cochange", {"textDocument": {"uri": uri}})
        assert cochange["result"]["items"] == []
        server.request("workspace/executeCommand", {"command": "mira.reindex"})
        shown = [m for m in server.messages_shown() if "git was not found" in m]
        assert len(shown) == 1
    finally:
        server.kill()


def test_unwritable_data_directory_falls_back_to_the_user_cache(repo: GitRepo,
                                                                tmp_path: Path) -> None:
    # `.mira` is taken by a file, so `.mira/` cannot be created (root included)
    (repo.root / ".mira").write_text("not a directory\n")
    cache = tmp_path / "cache"
    server = RawServer(tmp_path, XDG_CACHE_HOME=str(cache))
    try:
        server.initialize(repo.root)
        status = server.wait_status(
            lambda s: bool(s["workspaces"][0]["repositories"]) and all(
                r["state"] == "ready" for r in s["workspaces"][0]["repositories"])
            and _code_files(s) >= 2, timeout=60)
        [workspace] = status["workspaces"]
        data_dir = Path(workspace["dataDir"])
        assert cache / "mira" in data_dir.parents and (data_dir / "mira.db").is_file()
        assert workspace["repositories"][0]["commitsIndexed"] == 2
        assert "not writable" in workspace["message"]
        uri = (repo.root / "pay" / "ledger.py").as_uri()
        assert _symbol_names(server, uri) == ["Ledger", "record_entry"]
        shown = [m for m in server.messages_shown() if "instead" in m]
        assert len(shown) == 1 and str(data_dir) in shown[0]
        assert (repo.root / ".mira").read_text() == "not a directory\n"
    finally:
        server.kill()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to read-only directories")
def test_read_only_workspace_falls_back_to_the_user_cache(repo: GitRepo, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    modes = {}
    for path in [repo.root, *repo.root.rglob("*")]:
        if ".git" not in path.relative_to(repo.root).parts:
            modes[path] = path.stat().st_mode
            path.chmod(modes[path] & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    server = RawServer(tmp_path, XDG_CACHE_HOME=str(cache))
    try:
        server.initialize(repo.root)
        status = server.wait_status(lambda s: _code_files(s) >= 2, timeout=60)
        assert cache / "mira" in Path(status["workspaces"][0]["dataDir"]).parents
        assert not (repo.root / ".mira").exists()
    finally:
        server.kill()
        for path, mode in modes.items():
            path.chmod(mode)
