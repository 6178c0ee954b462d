"""How the server ends, over stdio in raw JSON-RPC: stdin closed, ``exit``, the client
process gone, SIGKILL — always within a bounded time, children included."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo, cochange_fixture
from tests.support.rawlsp import RawServer, all_gone

EXIT_BOUND_S = 12.0  # the server's own deadline is 8 s; the rest is slack for a busy machine


def _module(i: int) -> str:
    functions = "".join(
        f"def handler_{i}_{j}(request, session):\n"
        f"    \"\"\"Handle request kind {j} of module {i} and store it.\"\"\"\n"
        f"    value = session.get('key_{j}') or compute_{j}(request)\n"
        f"    return store_{i}(value, retries={j})\n\n"
        for j in range(12))
    return f'"""Module {i}."""\n\nimport os\n\n{functions}'


@pytest.fixture(scope="module")
def busy_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough files for the code index's process pool and minutes of embedding work."""
    repo = GitRepo(tmp_path_factory.mktemp("busy") / "repo")
    repo.commit("many modules", {f"pkg/mod_{i}.py": _module(i) for i in range(90)})
    for k in range(3):
        repo.commit(f"touch {k}", {f"pkg/mod_{k}.py": _module(k) + f"# {k}\n"})
    return repo.root


def _busy_server(repo: Path, tmp_path: Path, **env: str) -> RawServer:
    server = RawServer(tmp_path, MIRA_SEMANTIC_ENABLED="true", **env)
    reply = server.initialize(repo, {"dataDir": str(tmp_path / "data")},
                              process_id=os.getpid())
    assert "capabilities" in reply["result"]
    return server


def _wait(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(0.05)


def _progress_messages(server: RawServer) -> list[str]:
    return [str(n["params"]["value"].get("message", "")) for n in server.notifications
            if n.get("method") == "$/progress"]


def test_closing_stdin_while_children_work_ends_server_and_children(
        busy_repo: Path, tmp_path: Path) -> None:
    server = _busy_server(busy_repo, tmp_path)
    try:
        _wait(lambda: len(server.children()) >= 2, 60)  # the code index's pool is up
        children = server.children()
        started = time.monotonic()
        server.close_stdin()
        code = server.wait_exit(EXIT_BOUND_S)
        assert code == 1  # no shutdown before the end
        _wait(lambda: all_gone(children), 5)
        assert time.monotonic() - started < EXIT_BOUND_S
    finally:
        server.kill()


@pytest.mark.slow
def test_closing_stdin_mid_embedding_ends_the_server(busy_repo: Path, tmp_path: Path) -> None:
    server = _busy_server(busy_repo, tmp_path)
    try:
        _wait(lambda: any("embedded" in m for m in _progress_messages(server)), 240)
        children = server.children()
        server.close_stdin()
        assert server.wait_exit(EXIT_BOUND_S) == 1
        _wait(lambda: all_gone(children), 5)
    finally:
        server.kill()


def test_client_process_death_ends_the_server(busy_repo: Path, tmp_path: Path) -> None:
    client = subprocess.Popen(["sleep", "600"])
    server = RawServer(tmp_path, MIRA_SEMANTIC_ENABLED="true", MIRA_CLIENT_POLL_S="0.5")
    try:
        server.initialize(busy_repo, {"dataDir": str(tmp_path / "data")}, process_id=client.pid)
        _wait(lambda: len(server.children()) >= 1, 60)
        children = server.children()
        assert server.proc.poll() is None
        client.kill()
        client.wait()
        # stdin stays open: only the processId watch can end the server
        assert server.wait_exit(EXIT_BOUND_S) == 1
        _wait(lambda: all_gone(children), 5)
    finally:
        client.kill()
        server.kill()


def test_sigkill_of_the_server_ends_its_pool_workers(busy_repo: Path, tmp_path: Path) -> None:
    server = _busy_server(busy_repo, tmp_path)
    try:
        _wait(lambda: len(server.children()) >= 2, 60)
        children = server.children()
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        _wait(lambda: all_gone(children), 10)  # each worker watches its parent
    finally:
        server.kill()


def test_sigterm_ends_the_server_and_its_children(busy_repo: Path, tmp_path: Path) -> None:
    server = _busy_server(busy_repo, tmp_path)
    try:
        _wait(lambda: len(server.children()) >= 2, 60)
        children = server.children()
        server.proc.send_signal(signal.SIGTERM)
        assert server.wait_exit(EXIT_BOUND_S) == 1
        _wait(lambda: all_gone(children), 5)
    finally:
        server.kill()


def test_shutdown_then_exit_is_code_0_and_prompt(tmp_path: Path) -> None:
    repo = cochange_fixture(tmp_path / "repo")
    server = RawServer(tmp_path)
    try:
        server.initialize(repo.root, {"dataDir": str(tmp_path / "data")})
        assert server.request("shutdown", omit_params=True)["result"] is None
        later = server.request("mira/status", {})
        assert later["error"]["code"] == -32600  # InvalidRequest after shutdown
        server.notify("exit")
        assert server.wait_exit(EXIT_BOUND_S) == 0
    finally:
        server.kill()


def test_exit_without_shutdown_is_code_1(busy_repo: Path, tmp_path: Path) -> None:
    server = _busy_server(busy_repo, tmp_path)
    try:
        _wait(lambda: bool(_progress_messages(server)), 60)  # background work has begun
        server.notify("exit")
        assert server.wait_exit(EXIT_BOUND_S) == 1
    finally:
        server.kill()


def test_requests_before_initialize_get_server_not_initialized(tmp_path: Path) -> None:
    repo = cochange_fixture(tmp_path / "repo")
    server = RawServer(tmp_path)
    try:
        early = server.request("mira/status", {})
        assert early["error"]["code"] == -32002
        hover = server.request("textDocument/hover", {
            "textDocument": {"uri": (repo.root / "api.py").as_uri()},
            "position": {"line": 0, "character": 0}})
        assert hover["error"]["code"] == -32002
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": (repo.root / "api.py").as_uri(), "languageId": "python", "version": 1,
            "text": "v = 0\n"}})  # dropped, not queued
        reply = server.initialize(repo.root, {"dataDir": str(tmp_path / "data")})
        assert reply["result"]["serverInfo"]["name"] == "mira"
        again = server.request("initialize", {"capabilities": {}})
        assert again["error"]["code"] == -32600
        status = server.request("mira/status", {})
        assert status["result"]["workspaces"][0]["root"] == str(repo.root.resolve())
    finally:
        server.kill()
