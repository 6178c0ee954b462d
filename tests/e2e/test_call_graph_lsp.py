"""The call hierarchy an editor shows, over stdio against the real server: re-exports,
constructors, super(), typed receivers and Go generic receivers resolve; guesses by name
are left out by default and marked when the user asks for them (``codeCallGuesses``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from tests.e2e.test_code_lsp import request
from tests.support.gitrepo import GitRepo
from tests.support.lsp import config, initialize

FILES = {
    "lib/__init__.py": "from ._client import Client\n",
    "lib/_client.py": (
        "class Transport:\n"                                  # 0
        "    def handle(self, request):\n"                    # 1
        "        pass\n\n\n"
        "class Base:\n"                                       # 5
        "    def __init__(self, timeout=None):\n"             # 6
        "        self.timeout = timeout\n\n"
        "    def close(self):\n"                              # 9
        "        pass\n\n\n"
        "class Client(Base):\n"                               # 13
        "    def __init__(self, transport: Transport):\n"     # 14
        "        super().__init__()\n"                        # 15
        "        self._transport = transport\n\n"
        "    def close(self):\n"                              # 18
        "        super().close()\n\n"                         # 19
        "    def send(self, request):\n"                      # 21
        "        self._transport.handle(request)\n"),         # 22
    "app.py": (
        "import lib\n\n\n"
        "def main(t: 'lib._client.Transport', u):\n"          # 3
        "    client = lib.Client(t)\n"                        # 4
        "    client.send(1)\n"                                # 5
        "    client.close()\n"                                # 6
        "    u.reticulate()\n"),                              # 7: nothing says what u is
    "other.py": "class Spline:\n    def reticulate(self):\n        pass\n",
    "stack/stack.go": (
        "package stack\n\n"
        "type Stack[T any] struct{ items []T }\n\n"           # 2
        "func (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }\n\n"  # 4
        "func Fill(s *Stack[int]) { s.Push(1) }\n"),          # 6
}


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("call graph", FILES)
    return repo


async def item_at(client: LanguageClient, repo: GitRepo, path: str, line: int,
                  character: int) -> dict[str, Any]:
    """The call hierarchy item at a position, once the index has it."""
    for _ in range(300):
        items = await request(client, "textDocument/prepareCallHierarchy", {
            "textDocument": {"uri": (repo.root / path).as_uri()},
            "position": {"line": line, "character": character}})
        status = await request(client, "mira/status", {})
        code = status.get("extra", {}).get("code", {}).get(str(repo.root.resolve()), {})
        if items and code.get("files", 0) >= len(FILES):
            return dict(items[0])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no call hierarchy item at {path}:{line}")


async def incoming(client: LanguageClient, item: dict[str, Any]) -> list[tuple[str, int]]:
    found = await request(client, "callHierarchy/incomingCalls", {"item": item})
    return [(c["from"]["detail"], r["start"]["line"]) for c in found for r in c["fromRanges"]]


async def outgoing(client: LanguageClient, item: dict[str, Any]) -> list[tuple[str, int]]:
    found = await request(client, "callHierarchy/outgoingCalls", {"item": item})
    return [(c["to"]["detail"], r["start"]["line"]) for c in found for r in c["fromRanges"]]


async def test_call_hierarchy_follows_the_language(client: LanguageClient,
                                                   repo: GitRepo) -> None:
    # a constructor call through a package re-export reaches __init__ (and the class)
    init = await item_at(client, repo, "lib/_client.py", 14, 8)
    assert init["detail"] == "lib._client.Client.__init__"
    assert await incoming(client, init) == [("app.main", 4)]
    cls = await item_at(client, repo, "lib/_client.py", 13, 7)
    assert await incoming(client, cls) == [("app.main", 4)]
    # super(): the base's method, from the override and from the constructor
    base_close = await item_at(client, repo, "lib/_client.py", 9, 8)
    assert await incoming(client, base_close) == [("lib._client.Client.close", 19)]
    base_init = await item_at(client, repo, "lib/_client.py", 6, 8)
    assert await incoming(client, base_init) == [("lib._client.Client.__init__", 15)]
    # typed receivers: a local assigned a constructor call, an attribute set from a
    # typed parameter in __init__
    send = await item_at(client, repo, "lib/_client.py", 21, 8)
    assert await incoming(client, send) == [("app.main", 5)]
    handle = await item_at(client, repo, "lib/_client.py", 1, 8)
    assert await incoming(client, handle) == [("lib._client.Client.send", 22)]
    main = await item_at(client, repo, "app.py", 3, 4)
    assert await outgoing(client, main) == [
        ("lib._client.Client", 4), ("lib._client.Client.send", 5),
        ("lib._client.Client.close", 6)]  # the constructor shows as its class
    # Go: a generic receiver's method, called on a typed parameter
    push = await item_at(client, repo, "stack/stack.go", 4, 20)
    assert push["detail"] == "stack.stack.Stack.Push"
    assert await incoming(client, push) == [("stack.stack.Fill", 6)]
    # a guess (`u.reticulate()` of an untyped `u`) is not shown by default
    reticulate = await item_at(client, repo, "other.py", 1, 8)
    assert await incoming(client, reticulate) == []


@pytest_lsp.fixture(config=config())
async def guessing(lsp_client: LanguageClient, repo: GitRepo):  # type: ignore[no-untyped-def]
    await initialize(lsp_client, repo.root, {"codeCallGuesses": True})
    yield
    await lsp_client.shutdown_session()


async def test_guesses_are_marked_when_asked_for(guessing: LanguageClient,
                                                 repo: GitRepo) -> None:
    reticulate = await item_at(guessing, repo, "other.py", 1, 8)
    found = await request(guessing, "callHierarchy/incomingCalls", {"item": reticulate})
    assert [c["from"]["detail"] for c in found] == ["app.main · guessed by name"]
    # resolved edges are not marked
    send = await item_at(guessing, repo, "lib/_client.py", 21, 8)
    assert await incoming(guessing, send) == [("app.main", 5)]
