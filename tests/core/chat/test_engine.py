"""The operation engine against a scripted OpenAI-compatible server over real HTTP."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from typing import Any

import pytest

from mira.core.chat.service import NO_MODEL_NOTE, ChatError, ChatRequest, ChatSink
from tests.core.chat.conftest import API_KEY, ChatFactory


def _sink() -> tuple[ChatSink, list[dict[str, Any]], list[str]]:
    partials: list[dict[str, Any]] = []
    statuses: list[str] = []
    return ChatSink(lambda part: partials.append(part.wire()), statuses.append), partials, statuses


async def test_tool_round_trip_streams_in_order_and_persists_the_operation(
        make_chat: ChatFactory) -> None:
    chat, llm = make_chat([
        {"tool_calls": [{"id": "c1", "name": "read_file", "arguments": '{"path": "api.py"}'}],
         "repeat_tool_name": True},
        {"text": "handler returns 4 (see api.py:2).", "chunks": 4},
    ])
    sink, partials, statuses = _sink()
    answer = await chat.chat(ChatRequest("What does handler return?"), sink)

    assert answer.response == "handler returns 4 (see api.py:2)."
    kinds = [p["kind"] for p in partials]
    assert kinds[:2] == ["tool", "toolResult"]
    assert set(kinds[2:]) == {"text"} and len(kinds) >= 4  # streamed in pieces
    assert partials[0]["name"] == "read_file" and partials[0]["args"] == {"path": "api.py"}
    assert partials[1]["ok"] is True
    assert "".join(p["text"] for p in partials if p["kind"] == "text") == answer.response
    assert "gathering context" in statuses and "calling read_file" in statuses

    # the tool's result went back to the model, after an assistant turn carrying the call
    assert llm is not None
    second = llm.requests[1]["messages"]
    assistant = next(m for m in second if m["role"] == "assistant" and m.get("tool_calls"))
    assert assistant["content"] == ""
    tool_msg = next(m for m in second if m["role"] == "tool")
    assert tool_msg["tool_call_id"] == "c1" and "return 4" in tool_msg["content"]
    assert llm.requests[0]["stream"] is True and llm.requests[0]["tools"]

    op = await chat.operation(answer.operation_id)
    assert op is not None and op.state == "completed"
    types = [e.type for e in op.events]
    assert types[0] == "state" and types[-1] == "state"
    assert [e.data["state"] for e in op.events if e.type == "state"] == [
        "pending", "started", "completed"]
    assert "tool_call" in types and "tool_result" in types and types.count("llm_call") == 2
    assert [e.seq for e in op.events] == list(range(1, len(op.events) + 1))

    assert answer.usage is not None and answer.usage.calls == 2
    assert answer.usage.prompt_tokens == 200 and answer.usage.completion_tokens == 40
    assert answer.usage.cost_usd == pytest.approx((200 * 0.15 + 40 * 0.6) / 1e6)


async def test_no_model_answers_with_the_gathered_context_only(make_chat: ChatFactory) -> None:
    chat, _ = make_chat(None)
    sink, partials, _ = _sink()
    answer = await chat.chat(ChatRequest("How is parse_config fixed for KeyError?"), sink)
    assert answer.response.startswith(NO_MODEL_NOTE)
    assert "## Project Guidelines" in answer.response and "pytest -q" in answer.response
    assert "sk-secret-value-123" not in answer.response
    assert answer.usage is None
    assert partials == [{"kind": "text", "text": answer.response}]
    op = await chat.operation(answer.operation_id)
    assert op is not None and op.state == "completed"


async def test_budget_refuses_before_calling_the_model(make_chat: ChatFactory) -> None:
    chat, llm = make_chat([{"text": "expensive answer"}], budget_daily_limit_usd=0.00001)
    first = await chat.chat(ChatRequest("first question"))
    assert first.usage is not None and first.usage.cost_usd > 0.00001
    with pytest.raises(ChatError, match="daily budget reached") as info:
        await chat.chat(ChatRequest("second question"))
    assert llm is not None and len(llm.requests) == 1  # no call was made
    op = await chat.operation(info.value.operation_id or "")
    assert op is not None and op.state == "failed" and "daily budget" in (op.error or "")
    report = await chat.budget()
    assert report.daily_limit_usd == 0.00001 and report.daily_spent_usd > 0.00001


async def test_same_question_and_context_is_served_from_the_cache(
        make_chat: ChatFactory) -> None:
    chat, llm = make_chat([{"text": "cached answer"}, {"text": "should not be asked"}])
    one = await chat.chat(ChatRequest("What is in models.py?", session_id="a"))
    sink, partials, _ = _sink()
    two = await chat.chat(ChatRequest("What is in models.py?", session_id="b"), sink)
    assert one.response == two.response == "cached answer"
    assert partials == [{"kind": "text", "text": "cached answer"}]
    assert llm is not None and len(llm.requests) == 1
    assert two.usage is not None and two.usage.cached and two.usage.cost_usd == 0
    report = await chat.budget()
    assert report.calls == 2 and report.cache_hits == 1 and report.cache_hit_rate == 0.5
    assert report.cache_entries == 1 and report.cache_bytes > 0


async def test_retries_429_then_answers(make_chat: ChatFactory) -> None:
    chat, llm = make_chat([{"status": 429, "message": "slow down"}, {"text": "ok after retry"}])
    answer = await chat.chat(ChatRequest("hello"))
    assert answer.response == "ok after retry"
    assert llm is not None and len(llm.requests) == 2


@pytest.mark.parametrize(("step", "expected"), [
    ({"status": 500, "message": "boom"}, "server error \\(500\\); gave up after 2 attempts"),
    ({"status": 401, "message": "bad key"}, "refused the API key \\(401\\)"),
    ({"status": 404, "message": "no such model"}, "'gpt-4o-mini' .* not found .*\\(404\\)"),
])
async def test_provider_errors_fail_the_operation_with_a_clear_message(
        make_chat: ChatFactory, step: dict[str, Any], expected: str,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    chat, _ = make_chat([step])
    with pytest.raises(ChatError, match=expected) as info:
        await chat.chat(ChatRequest("hello"))
    op = await chat.operation(info.value.operation_id or "")
    assert op is not None and op.state == "failed"
    assert API_KEY not in caplog.text and API_KEY not in str(info.value)


async def test_timeout_is_reported(make_chat: ChatFactory) -> None:
    chat, _ = make_chat([{"delay": 2.5, "text": "too late"}], llm_timeout_s=1.0,
                        llm_max_retries=0)
    with pytest.raises(ChatError, match="did not answer within 1 s"):
        await chat.chat(ChatRequest("hello"))


async def test_malformed_and_unknown_tool_calls_go_back_to_the_model(
        make_chat: ChatFactory) -> None:
    chat, llm = make_chat([
        {"tool_calls": [{"id": "bad", "name": "read_file", "arguments": '{"path": '},
                        {"id": "unk", "name": "rm_rf", "arguments": "{}"}]},
        {"text": "recovered"},
    ])
    sink, partials, _ = _sink()
    answer = await chat.chat(ChatRequest("read api.py"), sink)
    assert answer.response == "recovered"
    results = [p for p in partials if p["kind"] == "toolResult"]
    assert [r["ok"] for r in results] == [False, False]
    assert llm is not None
    tool_msgs = [m["content"] for m in llm.requests[1]["messages"] if m["role"] == "tool"]
    assert "not valid JSON" in tool_msgs[0] and "unknown tool 'rm_rf'" in tool_msgs[1]


async def test_a_model_that_loops_on_tool_calls_is_made_to_answer(
        make_chat: ChatFactory) -> None:
    loop = {"tool_calls": [{"name": "list_files", "arguments": "{}"}]}
    chat, llm = make_chat([loop, loop, {"text": "final answer"}], chat_max_tool_rounds=5)
    answer = await chat.chat(ChatRequest("list everything"))
    assert answer.response == "final answer"
    assert llm is not None
    assert "tools" not in llm.requests[-1]  # the last call offered no tools
    assert len(llm.requests) == 3  # stopped repeating after the same call came back twice


async def test_tool_calls_without_an_answer_end_with_a_note(make_chat: ChatFactory) -> None:
    loop = {"tool_calls": [{"name": "list_files", "arguments": "{}"}]}
    chat, _ = make_chat([loop], chat_max_tool_rounds=1)
    answer = await chat.chat(ChatRequest("list everything"))
    assert "did not give an answer" in answer.response


async def test_llama_cpp_empty_stream_with_tools_falls_back_to_plain_calls(
        make_chat: ChatFactory) -> None:
    chat, llm = make_chat([
        {"empty_stream_with_tools": True},
        {"tool_calls": [{"id": "c1", "name": "read_file", "arguments": '{"path": "api.py"}'}]},
        {"text": "done"},
    ])
    answer = await chat.chat(ChatRequest("read api.py"))
    assert answer.response == "done"
    assert llm is not None
    assert [bool(r.get("stream")) for r in llm.requests] == [True, False, False]


async def test_cancellation_mid_stream_persists_a_cancelled_operation(
        make_chat: ChatFactory) -> None:
    chat, llm = make_chat([{"text": "a long answer " * 40, "chunks": 40, "chunk_delay": 0.1}])
    sink, partials, _ = _sink()
    task = asyncio.create_task(chat.chat(ChatRequest("tell me a story"), sink))
    for _ in range(200):
        if any(p["kind"] == "text" for p in partials):
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    ops = await chat.list_operations()
    assert ops[0].state == "cancelled"
    events = (await chat.operation(ops[0].id)).events  # type: ignore[union-attr]
    assert events[-1].data == {"state": "cancelled", "error": "cancelled by the user"}
    assert llm is not None
    for _ in range(100):  # the HTTP stream was closed: the server's next write fails
        if llm.disconnects:
            break
        await asyncio.sleep(0.05)
    assert llm.disconnects == 1


async def test_proposed_changes_become_artifacts_not_writes(make_chat: ChatFactory) -> None:
    new_models = "class User:\n    name = ''\n    email = ''\n"
    diff = ("--- a/api.py\n+++ b/api.py\n@@ -1,2 +1,2 @@\n def handler(request):\n"
            "-    return 4\n+    return 5\n")
    chat, _ = make_chat([
        {"tool_calls": [{"id": "p1", "name": "propose_change", "arguments": json.dumps(
            {"path": "models.py", "content": new_models, "description": "add email"})},
                        {"id": "p2", "name": "propose_change", "arguments": json.dumps(
            {"path": "../outside.py", "content": "x"})}]},
        {"text": f"Also:\n```diff\n{diff}```\n"},
    ])
    answer = await chat.chat(ChatRequest("add an email field"))
    by_path = {a.path: a for a in answer.artifacts}
    assert set(by_path) == {"models.py", "api.py"}
    assert by_path["models.py"].kind == "full" and by_path["models.py"].language == "python"
    assert (chat.ws.root / "models.py").read_text() != new_models  # nothing written
    assert await chat.artifact_content(by_path["api.py"]) == (
        "def handler(request):\n    return 5\n")
    stored = await chat.artifact(by_path["models.py"].id)
    assert stored is not None and stored.content == new_models
    import hashlib
    assert stored.sha256 == hashlib.sha256(new_models.encode()).hexdigest()


async def test_api_key_is_never_stored(make_chat: ChatFactory) -> None:
    chat, _ = make_chat([{"text": "hi"}])
    await chat.chat(ChatRequest("hello"))
    conn = sqlite3.connect(chat.ws.db_path)
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    assert API_KEY not in dump
    assert API_KEY not in repr(chat.endpoint)


async def test_session_memory_recalls_an_earlier_message_and_a_fact(
        make_chat: ChatFactory) -> None:
    chat, llm = make_chat([{"text": "Noted."}, {"text": "Your codename is BLUEBIRD."}])
    await chat.chat(ChatRequest("Remember that my codename is BLUEBIRD.", session_id="s1"))
    await chat.chat(ChatRequest("What is my codename?", session_id="s1"))
    assert llm is not None
    messages = llm.requests[1]["messages"]
    assert {"role": "user", "content": "Remember that my codename is BLUEBIRD."} in messages
    assert {"role": "assistant", "content": "Noted."} in messages
    assert "## Remembered Facts\n\n- codename: BLUEBIRD" in messages[0]["content"]
    assert messages[-1] == {"role": "user", "content": "What is my codename?"}


async def test_configured_tool_choice_forces_the_first_call_only(make_chat: ChatFactory) -> None:
    chat, llm = make_chat([
        {"tool_calls": [{"id": "c", "name": "list_files", "arguments": "{}"}]},
        {"text": "done"},
    ], chat_tool_choice="list_files")
    await chat.chat(ChatRequest("what files are there?"))
    assert llm is not None
    assert llm.requests[0]["tool_choice"] == {"type": "function",
                                              "function": {"name": "list_files"}}
    assert llm.requests[1]["tool_choice"] == "auto"


async def test_reasoning_effort_is_sent_only_to_models_that_have_it(
        make_chat: ChatFactory) -> None:
    chat, llm = make_chat([{"text": "ok"}], model="gpt-5.1")
    await chat.chat(ChatRequest("q1", reasoning_effort="minimum"))
    await chat.chat(ChatRequest("q2", reasoning_effort="high"))
    assert llm is not None
    assert [r.get("reasoning_effort") for r in llm.requests] == ["minimal", "high"]

    chat, llm = make_chat([{"text": "ok"}])  # gpt-4o-mini: no reasoning effort
    await chat.chat(ChatRequest("q3", reasoning_effort="high"))
    assert llm is not None and "reasoning_effort" not in llm.requests[0]


async def test_a_server_rejecting_reasoning_effort_is_asked_again_without_it(
        make_chat: ChatFactory) -> None:
    chat, llm = make_chat([{"status": 400, "message": "Unsupported parameter:"
                                                     " 'reasoning_effort'"}, {"text": "ok"}],
                          model="o4-mini")
    answer = await chat.chat(ChatRequest("q", reasoning_effort="medium"))
    assert answer.response == "ok"
    assert llm is not None
    assert [r.get("reasoning_effort") for r in llm.requests] == ["medium", None]


async def test_memory_analysis_by_the_model_is_budgeted_and_recorded(
        make_chat: ChatFactory) -> None:
    chat, llm = make_chat([{"text": "8"}], memory_model_analysis=True)
    await chat.chat(ChatRequest("We decided to use PostgreSQL for the event store."))
    assert llm is not None
    prompts = [r["messages"][-1]["content"] for r in llm.requests]
    assert any(p.startswith("Rate from 0 to 10") for p in prompts)  # memory asked the model
    report = await chat.budget()
    assert report.calls == len(llm.requests) >= 3  # chat + salience of both messages


async def test_an_open_secret_file_and_its_selection_never_reach_the_model(
        make_chat: ChatFactory) -> None:
    chat, llm = make_chat([{"text": "I cannot see that file."}])
    await chat.chat(ChatRequest("what is this token for?", path=chat.ws.root / ".env", line=0,
                                selection="API_TOKEN=sk-secret-value-123"))
    assert llm is not None
    sent = json.dumps(llm.requests[0])
    assert "sk-secret-value-123" not in sent and "API_TOKEN" not in sent


async def test_api_key_is_never_logged_even_at_debug_level(
        make_chat: ChatFactory, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: mira, openai, httpx, httpcore
    chat, _ = make_chat([
        {"tool_calls": [{"id": "c", "name": "list_files", "arguments": "{}"}]},
        {"text": "done"},
    ])
    await chat.chat(ChatRequest("list the files"))
    assert "chat.completions" in caplog.text or "HTTP Request" in caplog.text  # it did log
    assert API_KEY not in caplog.text
