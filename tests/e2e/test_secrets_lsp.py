"""The gate over LSP: the real server indexes a repository full of secrets (default
embedder, background indexing) and neither ``mira/search`` nor ``mira/context`` nor any
file under ``.mira/`` ever holds one of them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from tests.support.leaky_repo import (
    OUTSIDE_MARKER,
    SECRET_FILES,
    USER_GLOBS,
    LeakyRepo,
    grep_tree,
    leaky_fixture,
)
from tests.support.lsp import config, initialize, request, wait_indexed


@pytest.fixture
def leaky(tmp_path: Path) -> LeakyRepo:
    return leaky_fixture(tmp_path)


@pytest_lsp.fixture(config=config(MIRA_SEMANTIC_ENABLED="true"))
async def client(lsp_client: LanguageClient, leaky: LeakyRepo):  # type: ignore[no-untyped-def]
    await initialize(lsp_client, leaky.root, {"contextSecretGlobs": USER_GLOBS})
    yield
    await lsp_client.shutdown_session()


async def _search(client: LanguageClient, query: str) -> list[dict[str, Any]]:
    result = await request(client, "mira/search", {"query": query, "limit": 20})
    return list(result["items"])


async def test_search_and_context_never_show_a_secret(client: LanguageClient,
                                                      leaky: LeakyRepo) -> None:
    await wait_indexed(client)
    items: list[dict[str, Any]] = []
    for _ in range(600):  # the search index fills in the background
        items = await _search(client, "charge the customer card payment gateway")
        if any(i["path"] == "app/settings.py" for i in items):
            break
        await asyncio.sleep(0.2)
    answers = [repr(items)]
    assert any(i["path"] == "app/settings.py" for i in items)
    for query in ["retry payment gateway value", "rotate the stripe key", OUTSIDE_MARKER,
                  *leaky.tokens.values()]:
        found = await _search(client, query)
        answers.append(repr(found))
        assert not {i["path"] for i in found} & {*SECRET_FILES, "docs/linked.md", "config.txt"}
    for path in ["app/settings.py", ".env", "config.txt", "docs/linked.md"]:
        result = await request(client, "mira/context", {
            "message": "how does the payment gateway charge a card?",
            "textDocument": {"uri": (leaky.root / path).as_uri()},
            "position": {"line": 3, "character": 0}})
        answers.append(result["system"] + result["markdown"])
    leaks = {m for answer in answers for m in leaky.leaks(answer)}
    assert not leaks, f"leaked {sorted(leaks)}"
    assert "[REDACTED:" in "".join(answers)


async def test_nothing_secret_under_dot_mira(client: LanguageClient, leaky: LeakyRepo) -> None:
    await wait_indexed(client)
    for _ in range(600):
        if any(i["path"] == "app/settings.py" for i in await _search(client, "charge card")):
            break
        await asyncio.sleep(0.2)
    data = leaky.root / ".mira"
    assert (data / "mira.db").exists()
    assert grep_tree(data, leaky) == {}
