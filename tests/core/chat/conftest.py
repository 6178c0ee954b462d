from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mira.core.chat.service import ChatService
from mira.core.config import MiraConfig
from mira.core.workspace import Workspace
from tests.support.context_repo import context_fixture
from tests.support.gitrepo import GitRepo
from tests.support.scripted_llm import ScriptedLLM

API_KEY = "sk-test-NEVER-LOG-THIS-KEY-42"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return context_fixture(tmp_path / "repo")


@pytest.fixture
def llm_servers() -> Iterator[list[ScriptedLLM]]:
    servers: list[ScriptedLLM] = []
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
async def workspaces() -> AsyncIterator[list[Workspace]]:
    opened: list[Workspace] = []
    yield opened
    for ws in opened:
        await ws.close()


ChatFactory = Callable[..., tuple[ChatService, ScriptedLLM | None]]


@pytest.fixture
def make_chat(repo: GitRepo, llm_servers: list[ScriptedLLM], workspaces: list[Workspace],
              monkeypatch: pytest.MonkeyPatch) -> ChatFactory:
    """A ChatService over the fixture repository, talking to a scripted model (or none)."""
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "MIRA_MODEL", "BUDGET_DAILY_LIMIT_USD",
                 "BUDGET_MONTHLY_LIMIT_USD"):
        monkeypatch.delenv(name, raising=False)

    def make(script: list[dict[str, Any]] | None = None, **options: Any
             ) -> tuple[ChatService, ScriptedLLM | None]:
        server = None
        options.setdefault("llm_max_retries", 1)
        options.setdefault("memory_model_analysis", False)
        config = MiraConfig(semantic_enabled=False, **options)
        if script is not None:
            server = ScriptedLLM(script).start()
            llm_servers.append(server)
            config.llm_base_url = server.base_url
            config.model = config.model or "gpt-4o-mini"  # priced in the default table
            config.openai_api_key = API_KEY
        ws = Workspace(repo.root, config)
        ws.open()
        ws.index_git()
        workspaces.append(ws)
        return ws.service(ChatService), server

    return make
