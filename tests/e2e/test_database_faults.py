"""The workspace database in trouble, over stdio against the real server: a corrupt file
(moved aside, rebuilt, the user told once) and two servers on one workspace (one writes,
the other reads and says so; no constraint errors; it takes over when the first exits)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.gitrepo import GitRepo, cochange_fixture
from tests.support.rawlsp import RawServer


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = cochange_fixture(tmp_path / "repo")
    repo.commit("code", {"service.py": "class Service:\n    def run(self):\n        return 1\n"})
    return repo


def _ready(status: dict[str, Any]) -> bool:
    repos = [r for w in status["workspaces"] for r in w["repositories"]]
    return bool(repos) and all(r["state"] == "ready" for r in repos)


def _problems(server: RawServer) -> list[str]:
    text = server.stderr.decode("utf-8", "replace")
    return [line for line in text.splitlines()
            if "UNIQUE constraint" in line or "Traceback" in line or " ERROR " in line]


def test_corrupt_database_is_rebuilt_and_the_user_told_once(repo: GitRepo,
                                                           tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "mira.db").write_bytes(b"this is not a SQLite database, just bytes\n" * 200)
    server = RawServer(tmp_path, MIRA_LOG_LEVEL="INFO")
    try:
        server.initialize(repo.root, {"dataDir": str(data)})
        status = server.wait_status(_ready, timeout=60)
        assert status["workspaces"][0]["repositories"][0]["commitsIndexed"] == 8
        moved = sorted(data.glob("mira.db.corrupt-*"))
        assert len(moved) == 1 and moved[0].read_bytes().startswith(b"this is not")
        shown = [m for m in server.messages_shown() if "damaged" in m]
        assert len(shown) == 1 and str(moved[0]) in shown[0]
        assert str(moved[0]) in status["workspaces"][0]["message"]
        time.sleep(0.5)
        assert str(moved[0]) in server.stderr.decode("utf-8", "replace")  # logged too
    finally:
        server.kill()


def test_two_servers_on_one_workspace_writer_and_reader(repo: GitRepo, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = RawServer(tmp_path, MIRA_LOG_LEVEL="INFO")
    second: RawServer | None = None
    try:
        first.initialize(repo.root, {"dataDir": str(data)})
        first.wait_status(_ready, timeout=60)
        second = RawServer(tmp_path, MIRA_LOG_LEVEL="INFO", MIRA_WRITER_POLL_S="0.5")
        second.initialize(repo.root, {"dataDir": str(data)})
        # the reader answers from the writer's index at once
        status = second.wait_status(_ready, timeout=30)
        assert status["workspaces"][0]["repositories"][0]["commitsIndexed"] == 8
        assert "another Mira server" in status["workspaces"][0]["message"]
        shown = [m for m in second.messages_shown() if "another Mira server" in m]
        assert len(shown) == 1
        reply = second.request("mira/cochange", {
            "textDocument": {"uri": (repo.root / "api.py").as_uri()}})
        assert reply["result"]["items"][0]["path"] == "client.py"
        # a new commit: the writer indexes it, the reader sees it
        repo.commit("api again", {"api.py": "v = 9\n", "client.py": "c = 9\n"})
        first.request("workspace/executeCommand", {"command": "mira.reindex"})
        second.wait_status(lambda s: s["workspaces"][0]["repositories"][0][
            "commitsIndexed"] == 9, timeout=60)
        # the writer exits: the reader takes over and says so
        first.request("shutdown", omit_params=True)
        first.notify("exit")
        assert first.wait_exit(15) == 0
        second.wait_status(lambda s: "another Mira server" not in (
            s["workspaces"][0].get("message") or ""), timeout=30)
        assert any("now indexes" in m for m in second.messages_shown())
        repo.commit("api once more", {"api.py": "v = 10\n", "client.py": "c = 10\n"})
        second.request("workspace/executeCommand", {"command": "mira.reindex"})
        second.wait_status(lambda s: s["workspaces"][0]["repositories"][0][
            "commitsIndexed"] == 10, timeout=60)
        time.sleep(0.5)
        assert _problems(first) == [] and _problems(second) == []
    finally:
        first.kill()
        if second is not None:
            second.kill()
