"""Fixtures shared by the end-to-end chat tests."""

from collections.abc import Iterator

import pytest

from tests.support.scripted_llm import ScriptedLLM


@pytest.fixture
def llm() -> Iterator[ScriptedLLM]:
    """A scripted OpenAI-compatible endpoint; each test queues the replies it needs."""
    server = ScriptedLLM([]).start()
    yield server
    server.stop()
