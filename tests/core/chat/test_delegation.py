"""Delegation: with ``codeModel`` set, the chat model orchestrates and a second model (its own
endpoint and key) writes the code; its calls are budgeted and cached like the chat model's."""

from __future__ import annotations

import json

import pytest

from mira.core.chat.service import ChatError, ChatRequest
from mira.core.config import MiraConfig
from mira.core.endpoint import code_endpoint_from
from tests.core.chat.conftest import ChatFactory
from tests.support.scripted_llm import ScriptedLLM

CODE = "class User:\n    name = ''\n    email = ''\n"


def orchestrator_script() -> list[dict[str, object]]:
    return [
        {"tool_calls": [{"id": "w", "name": "write_code", "arguments": json.dumps(
            {"path": "models.py", "instructions": "add an email field to User"})}]},
        {"text": "The code model added the field; review the proposed change."},
    ]


def test_code_endpoint_has_its_own_url_and_key_and_falls_back_to_the_chat_ones() -> None:
    assert code_endpoint_from(MiraConfig()) is None
    own = code_endpoint_from(MiraConfig(code_model="coder", code_model_base_url="http://c/v1",
                                        code_model_api_key="sk-code", llm_base_url="http://m/v1",
                                        openai_api_key="sk-main"))
    assert own is not None and (own.base_url, own.api_key, own.model) == (
        "http://c/v1", "sk-code", "coder")
    assert "sk-code" not in repr(own)
    shared = code_endpoint_from(MiraConfig(code_model="coder", llm_base_url="http://m/v1",
                                           openai_api_key="sk-main"))
    assert shared is not None and (shared.base_url, shared.api_key) == ("http://m/v1", "sk-main")


async def test_code_producing_step_goes_to_the_code_model(make_chat: ChatFactory) -> None:
    with ScriptedLLM([{"text": f"```python\n{CODE}```"}], model="coder") as coder:
        chat, llm = make_chat(orchestrator_script() * 2, code_model="coder",
                              code_model_base_url=coder.base_url)
        assert llm is not None
        tool_names = {t["function"]["name"] for t in llm_tools(chat)}
        assert "write_code" in tool_names
        answer = await chat.chat(ChatRequest("Add an email to the User model"))
        [art] = answer.artifacts
        assert art.path == "models.py" and art.content == CODE  # fences stripped
        [request] = coder.requests
        assert request["model"] == "coder"
        assert "add an email field to User" in request["messages"][1]["content"]
        assert "class User" in request["messages"][1]["content"]  # the current file
        assert llm.requests[0]["model"] == "gpt-4o-mini"
        report = await chat.budget()
        assert report.calls == 3  # two orchestrator calls + one code model call

        # the same step again is served from the cache, still recorded
        again = await chat.chat(ChatRequest("Add an email to the User model please"))
        assert again.artifacts[0].content == CODE and len(coder.requests) == 1
        report = await chat.budget()
        assert report.cache_hits >= 1


async def test_code_model_spend_counts_against_the_budget(make_chat: ChatFactory) -> None:
    with ScriptedLLM([{"text": CODE}], model="coder") as coder:
        chat, _ = make_chat(orchestrator_script(), code_model="gpt-4o-mini",
                            code_model_base_url=coder.base_url, budget_daily_limit_usd=1e-9)
        with pytest.raises(ChatError, match="daily budget"):
            await chat.chat(ChatRequest("Add an email to the User model"))
        assert coder.requests == []


def llm_tools(chat):  # type: ignore[no-untyped-def]
    from mira.core.chat.tools import ToolBox
    return ToolBox(chat.ws, (), None, code_writer=chat.code_writer and chat.code_writer.write
                   ).schemas()
