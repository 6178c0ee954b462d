"""Fixtures shared by the end-to-end chat tests."""

from collections.abc import Iterator

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from tests.support.gitrepo import GitRepo
from tests.support.lsp import config, initialize, wait_indexed
from tests.support.scripted_llm import ScriptedLLM


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
