"""Fixtures shared by the end-to-end tests: the server on the module's ``repo``, and the
scripted model for the chat tests."""

from collections.abc import Iterator
from typing import Any

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from tests.support.gitrepo import GitRepo
from tests.support.lsp import config, initialize, wait_indexed
from tests.support.scripted_llm import ScriptedLLM


@pytest.fixture
def client_options() -> dict[str, Any]:
    """The ``initializationOptions`` of ``client``; a module overrides it to set its own."""
    return {}


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient, repo: GitRepo, client_options: dict[str, Any]
                 ):  # type: ignore[no-untyped-def]
    """The real server over stdio, initialized on the module's ``repo``."""
    await initialize(lsp_client, repo.root, client_options)
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def llm() -> Iterator[ScriptedLLM]:
    """A scripted OpenAI-compatible endpoint; each test queues the replies it needs."""
    server = ScriptedLLM([]).start()
    yield server
    server.stop()


@pytest_lsp.fixture(config=config(OPENAI_API_KEY="sk-e2e-scripted-0123456789",
                                  MIRA_MEMORY_MODEL_ANALYSIS="false"))
async def model_client(lsp_client: LanguageClient, repo: GitRepo, llm: ScriptedLLM
                       ):  # type: ignore[no-untyped-def]
    """The real server over stdio on the module's ``repo``, its model the scripted ``llm``;
    returned once the repository is indexed."""
    await initialize(lsp_client, repo.root, {"llmBaseUrl": llm.base_url,
                                             "model": "gpt-4o-mini"})
    await wait_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()
