"""mira/search over LSP: the background index fills after initialization."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from tests.support.gitrepo import GitRepo
from tests.support.lsp import config, initialize, request, wait_indexed


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("auth", {"auth.py": "def check_password(user, password):\n"
                                    "    \"\"\"Verify login credentials.\"\"\"\n"
                                    "    return hash_password(password) == user.hash\n"})
    repo.commit("charts", {"charts.py": "def draw_chart(points):\n    return plot(points)\n"})
    return repo


@pytest_lsp.fixture(config=config(MIRA_SEMANTIC_ENABLED="true"))
async def client(lsp_client: LanguageClient, repo: GitRepo):  # type: ignore[no-untyped-def]
    await initialize(lsp_client, repo.root)
    yield
    await lsp_client.shutdown_session()


async def test_search_code_and_history(client: LanguageClient, repo: GitRepo) -> None:
    await wait_indexed(client)
    result: dict = {}
    for _ in range(200):
        result = await request(client, "mira/search", {"query": "verify user credentials"})
        if result["items"]:
            break
        await asyncio.sleep(0.1)
    top = result["items"][0]
    assert top["path"] == "auth.py" and top["source"] == "code"
    assert top["uri"] == (repo.root / "auth.py").as_uri() and top["range"]["start"]["line"] == 0
    history = await request(client, "mira/search", {"query": "charts", "kinds": ["git"]})
    assert history["items"][0]["source"] == "git" and history["items"][0]["commit"]
    filtered = await request(client, "mira/search",
                             {"query": "password", "paths": ["charts"], "limit": 3})
    assert all(i["path"].startswith("charts") for i in filtered["items"])
