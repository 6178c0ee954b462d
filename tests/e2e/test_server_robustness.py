"""The server over stdio with bad input, odd workspaces and several roots."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.support.gitrepo import GitRepo, cochange_fixture
from tests.support.lsp import (
    CAPABILITIES,
    config,
    request,
    server_env,
    wait_for,
    wait_indexed,
)


@pytest.fixture
def roots(tmp_path: Path) -> dict[str, Path]:
    first = cochange_fixture(tmp_path / "first")
    second = GitRepo(tmp_path / "second")
    second.commit("s1", {"x.py": "1\n", "y.py": "1\n"})
    second.commit("s2", {"x.py": "2\n", "y.py": "2\n"})
    nested = GitRepo(tmp_path / "second" / "vendor" / "inner")
    nested.commit("n1", {"p.py": "1\n", "q.py": "1\n"})
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("no git here\n")
    return {"first": first.root, "second": second.root, "plain": plain}


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient, roots: dict[str, Path]):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=CAPABILITIES,
        workspace_folders=[types.WorkspaceFolder(uri=p.as_uri(), name=n) for n, p in roots.items()],
        initialization_options={"hintThreshold": "very high", "bogus": True},
    ))
    yield
    await lsp_client.shutdown_session()


async def test_multi_root_routing_warnings_and_non_git(client: LanguageClient,
                                                       roots: dict[str, Path]) -> None:
    status = await wait_indexed(client)
    by_root = {Path(w["root"]).name: w for w in status["workspaces"]}
    assert set(by_root) == {"first", "second", "plain"}
    assert not by_root["plain"]["git"] and "not a git repository" in by_root["plain"]["message"]
    assert sorted(Path(r["root"]).name for r in by_root["second"]["repositories"]) == [
        "inner", "second"]

    # each request is answered from the repository that holds the document
    x = await request(client, "mira/cochange",
                      {"textDocument": {"uri": (roots["second"] / "x.py").as_uri()}})
    assert [i["path"] for i in x["items"]] == ["y.py"]
    p = await request(client, "mira/cochange", {"textDocument": {
        "uri": (roots["second"] / "vendor" / "inner" / "p.py").as_uri()}})
    assert p["path"] == "p.py" and [i["path"] for i in p["items"]] == ["q.py"]
    notes = await request(client, "mira/cochange",
                          {"textDocument": {"uri": (roots["plain"] / "notes.txt").as_uri()}})
    assert notes["items"] == [] and "not inside a git repository" in notes["note"]

    await wait_for(lambda: len(client.messages) >= 3)
    messages = [m.message for m in client.messages]
    warnings = [m for m in messages if "invalid setting" in m]
    assert len(warnings) == 2 and any("hintThreshold" in m for m in warnings)
    assert sum("plain is not a git repository" in m for m in messages) == 1


async def test_invalid_params_get_an_error_and_the_server_lives(client: LanguageClient,
                                                                roots: dict[str, Path]) -> None:
    await wait_indexed(client)
    with pytest.raises(Exception, match="Invalid Params"):
        await request(client, "mira/cochange", {"textDocument": {"uri": 42}, "limit": "many"})
    ok = await request(client, "mira/cochange",
                       {"textDocument": {"uri": (roots["first"] / "api.py").as_uri()}})
    assert ok["items"][0]["path"] == "client.py"


def _frame(payload: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(payload) + payload


def _read_message(stream: object) -> dict[str, object]:
    headers = b""
    while not headers.endswith(b"\r\n\r\n"):
        headers += stream.read(1)  # type: ignore[attr-defined]
    length = int(headers.split(b"Content-Length:")[1].split(b"\r\n")[0])
    return dict(json.loads(stream.read(length)))  # type: ignore[attr-defined]


def test_malformed_json_does_not_kill_the_server(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "mira", "serve"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=server_env())
    assert proc.stdin and proc.stdout
    try:
        proc.stdin.write(_frame(b'{"jsonrpc": "2.0", "id": 1, "method": '))  # truncated JSON
        proc.stdin.write(_frame(b"\xff\xfe not even utf-8"))
        init = {"jsonrpc": "2.0", "id": 2, "method": "initialize",
                "params": {"capabilities": {}, "rootUri": tmp_path.as_uri()}}
        proc.stdin.write(_frame(json.dumps(init).encode()))
        proc.stdin.flush()
        replies = [_read_message(proc.stdout) for _ in range(3)]
        answered = [r for r in replies if r.get("id") == 2]
        assert answered and "capabilities" in answered[0]["result"]  # type: ignore[operator]
        errors = [r for r in replies if "error" in r]
        assert all(e["error"]["code"] == -32700 for e in errors)  # type: ignore[index]
    finally:
        proc.kill()
        proc.wait()


def test_tcp_mode(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "mira", "serve", "--tcp", f"127.0.0.1:{port}"],
                            stderr=subprocess.DEVNULL, env=server_env())
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with conn:
            init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                    "params": {"capabilities": {}, "rootUri": tmp_path.as_uri()}}
            conn.sendall(_frame(json.dumps(init).encode()))
            reply = _read_message(conn.makefile("rb"))
            assert reply["id"] == 1 and reply["result"]["serverInfo"]["name"] == "mira"  # type: ignore[index]
    finally:
        proc.kill()
        proc.wait()


async def test_documents_outside_any_workspace_are_ignored(client: LanguageClient) -> None:
    await wait_indexed(client)
    uri = "untitled:Untitled-1"
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri, "python", 1, "print(1)\n")))
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri)))
    assert list(lenses) == []
    assert uri not in client.diagnostics or client.diagnostics[uri] == []
