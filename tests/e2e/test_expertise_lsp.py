"""Hover, CodeLens, mira/experts and mira/blame on a repository with known authors."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.support.gitrepo import GitRepo
from tests.support.lsp import request, server_env, wait_indexed

CORE = "".join(f"line_{i} = {i}\n" for i in range(10))


def build(root: Path) -> GitRepo:
    repo = GitRepo(root)
    repo.commit("alice writes core", {"core.py": CORE}, author="alice")
    for i in range(1, 4):
        repo.commit(f"alice tunes core {i}", {"core.py": CORE.replace(
            f"line_{i} = {i}", f"line_{i} = {i * 10}")}, author="alice")
    repo.commit("bob fix", {"core.py": "line_0 = 'bob'\n" + CORE.replace(
        "line_3 = 3", "line_3 = 30").split("\n", 1)[1]}, author="bob")
    for i in range(4):
        repo.commit(f"bob util {i}", {"util.py": f"u = {i}\n"}, author="bob")
    repo.commit("carol docs", {"docs/readme.md": "# hi\n"}, author="carol")
    repo.write("untracked.py", "x = 1\n")
    repo.write("blob.bin", bytes(range(256)))
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return build(tmp_path / "repo")


def uri(repo: GitRepo, path: str) -> str:
    return (repo.root / path).as_uri()


async def hover_text(client: LanguageClient, file_uri: str, line: int) -> str | None:
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(file_uri),
        position=types.Position(line, 0)))
    return result.contents.value if result else None  # type: ignore[union-attr]


async def test_experts_ranking_blame_and_cli_match(client: LanguageClient, repo: GitRepo) -> None:
    await wait_indexed(client)
    result = await request(client, "mira/experts", {"textDocument": {"uri": uri(repo, "core.py")}})
    experts = result["experts"]
    assert [e["name"] for e in experts] == ["Alice Liddell", "Bob Builder", "Carol Danvers"]
    assert [e["commits"] for e in experts] == [4, 1, 0]
    assert experts[0]["email"] == "alice@example.com"
    assert 0.6 < experts[0]["score"] < 0.7 and 0.3 < experts[1]["score"] < 0.4
    assert experts[0]["lastCommit"].startswith("2023-11")

    cli = subprocess.run([sys.executable, "-m", "mira", "experts", "core.py", "--json",
                          "--limit", "5"], cwd=repo.root, env=server_env(), capture_output=True,
                         text=True, check=True)
    assert json.loads(cli.stdout) == {"path": "core.py", "experts": experts}

    blame = await request(client, "mira/blame",
                          {"textDocument": {"uri": uri(repo, "core.py")}, "line": 0})
    assert blame["author"] == "Bob Builder" and blame["subject"] == "bob fix"
    assert not blame["uncommitted"] and len(blame["short"]) == 8
    cli_blame = subprocess.run([sys.executable, "-m", "mira", "blame", "core.py", "--line", "1",
                                "--json"], cwd=repo.root, env=server_env(),
                               capture_output=True, text=True, check=True)
    assert json.loads(cli_blame.stdout) == blame
    line2 = await request(client, "mira/blame",
                          {"textDocument": {"uri": uri(repo, "core.py")}, "line": 2})
    assert line2["author"] == "Alice Liddell" and line2["subject"] == "alice tunes core 3"


async def settled_hover(client: LanguageClient, file_uri: str, line: int) -> str | None:
    """The hover once the file's blame has finished (a hover waits for it only briefly)."""
    text = None
    for _ in range(100):
        text = await hover_text(client, file_uri, line)
        if text is None or "still running" not in text:
            break
        await asyncio.sleep(0.1)
    return text


async def test_hover_and_code_lens(client: LanguageClient, repo: GitRepo) -> None:
    await wait_indexed(client)
    core = uri(repo, "core.py")
    first = await hover_text(client, core, 0)  # cold: the blame may still be running
    assert first is not None and "**Last change:**" in first and "Bob Builder" in first
    text = None
    for _ in range(100):  # warm once the background whole-file blame has landed
        text = await hover_text(client, core, 0)
        if text and "78 %" in text:
            break
        await asyncio.sleep(0.1)
    assert text is not None
    assert "**Last change:**" in text and "Bob Builder" in text and "bob fix" in text
    # line 0: the file's history blended with blame ownership (alice owns 9 of 10 lines)
    assert "**Experts:** Alice Liddell — 78 % · 4 commits" in text
    assert "Bob Builder — 22 % · 1 commit ·" in text and "Carol" not in text

    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(core)))
    titles = [lens.command.title for lens in lenses if lens.command]
    assert len(titles) == 1 and titles[0].startswith("Alice Liddell +2 authors · changed ")
    assert titles[0].endswith(" years ago")

    # an unsaved edit: the changed line is "not committed yet", CRLF is fine
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        core, "python", 1, "line_0 = 'mine'\r\n" + CORE.split("\n", 1)[1].replace("\n", "\r\n"))))
    edited = await settled_hover(client, core, 0)
    assert edited is not None and "not committed yet" in edited
    unchanged = await settled_hover(client, core, 2)
    assert unchanged is not None and "alice tunes core 3" in unchanged


async def test_bad_input_gives_sensible_answers(client: LanguageClient, repo: GitRepo) -> None:
    await wait_indexed(client)
    assert await request(client, "mira/blame",
                         {"textDocument": {"uri": uri(repo, "core.py")}, "line": 999}) is None
    assert await request(client, "mira/blame",
                         {"textDocument": {"uri": uri(repo, "untracked.py")}, "line": 0}) is None
    untracked = await settled_hover(client, uri(repo, "untracked.py"), 0)
    assert untracked is None or "Last change" not in untracked
    (repo.root / "util.py").unlink()
    assert await request(client, "mira/blame",
                         {"textDocument": {"uri": uri(repo, "util.py")}, "line": 0}) is None
    gone = await request(client, "mira/experts", {"textDocument": {"uri": uri(repo, "util.py")}})
    assert gone["experts"][0]["name"] == "Bob Builder"  # history outlives the file
    await hover_text(client, uri(repo, "blob.bin"), 0)
    outside = await request(client, "mira/experts", {"textDocument": {"uri": "file:///x.py"}})
    assert outside == {"experts": []}
    errors = [m for m in client.log_messages if m.type == types.MessageType.Error]
    assert errors == []
