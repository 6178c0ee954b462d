"""End to end over stdio: mira/context shows the oracle's sections; mira/memory lists/forgets."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pytest_lsp import LanguageClient

from mira.core.context.provider import create_provider
from mira.core.workspace import Workspace
from tests.support.context_repo import context_fixture
from tests.support.gitrepo import GitRepo
from tests.support.lsp import request, wait_indexed


async def _seed_memory(root: Path) -> None:
    ws = Workspace(root)  # a chat session earlier left a fact in the workspace's memory
    ws.open()
    await create_provider(ws).record("earlier", "user", "Remember that the api port is 8080.")
    await ws.close()


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = context_fixture(tmp_path / "repo")
    with ThreadPoolExecutor(1) as pool:  # the test's event loop is already running
        pool.submit(asyncio.run, _seed_memory(repo.root)).result()
    return repo


async def test_context_shows_sections_and_skipped_sources(client: LanguageClient,
                                                          repo: GitRepo) -> None:
    await wait_indexed(client)
    uri = (repo.root / "api.py").as_uri()
    result = await request(client, "mira/context", {
        "message": "Why does parse_config raise KeyError: 'name'?",
        "textDocument": {"uri": uri}, "position": {"line": 1, "character": 0}})
    assert result["preset"] == "for_error"
    sources = [s["source"] for s in result["sections"]]
    assert sources[0] == "fixes" and {"guidelines", "cochange"} <= set(sources)
    markdown = result["markdown"]
    assert "## Similar Past Fixes" in markdown and "Fix KeyError in parse_config" in markdown
    assert "## Related Files (Often Changed Together)" in markdown
    assert "- `client.py` — " in markdown and "## Project Guidelines" in markdown
    assert markdown in result["system"]  # exactly what the model sees
    assert "## Domain Experts\n\n- Alice Liddell" in markdown
    assert result["tokens"] > 0 and "sk-secret" not in result["system"]

    minimal = await request(client, "mira/context", {
        "message": "How does the client call the api?", "textDocument": {"uri": uri},
        "preset": "minimal"})
    assert minimal["preset"] == "minimal"
    assert [s["source"] for s in minimal["sections"]] == ["guidelines"]

    with pytest.raises(Exception, match="unknown preset"):
        await request(client, "mira/context", {"message": "x", "preset": "huge"})


async def test_memory_list_and_forget(client: LanguageClient, repo: GitRepo) -> None:
    listed = await request(client, "mira/memory", {"action": "list"})
    [fact] = listed["facts"]
    assert (fact["key"], fact["value"], fact["source"]) == ("api_port", "8080", "remember")
    assert fact["sessionId"] == "earlier" and fact["updatedAt"].startswith("20")
    forgot = await request(client, "mira/memory", {"action": "forget", "key": "api_port"})
    assert forgot["removed"] is True and forgot["facts"] == []
    missing = await request(client, "mira/memory", {"action": "forget", "key": "nope"})
    assert missing["removed"] is False and "no fact named" in missing["note"]
    with pytest.raises(Exception, match="action must be"):
        await request(client, "mira/memory", {"action": "explode"})
