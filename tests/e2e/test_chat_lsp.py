"""End to end over stdio: mira/chat against a scripted OpenAI-compatible server.

Partial results stream in order, a tool round trip happens, cancellation leaves a
``cancelled`` operation, and an artifact is applied through workspace/applyEdit.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.support.context_repo import context_fixture
from tests.support.gitrepo import GitRepo
from tests.support.lsp import config, initialize, request, wait_for, wait_indexed
from tests.support.scripted_llm import ScriptedLLM

API_KEY = "sk-e2e-DO-NOT-LEAK-0123456789"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return context_fixture(tmp_path / "repo")


@pytest_lsp.fixture(config=config(OPENAI_API_KEY=API_KEY, MIRA_MEMORY_MODEL_ANALYSIS="false",
                                  MIRA_LOG_LEVEL="DEBUG"))
async def client(lsp_client: LanguageClient, repo: GitRepo, llm: ScriptedLLM
                 ):  # type: ignore[no-untyped-def]
    applied: list[types.ApplyWorkspaceEditParams] = []
    lsp_client.applied_edits = applied  # type: ignore[attr-defined]
    lsp_client.apply_answer = "applied"  # type: ignore[attr-defined]  # or "null"

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams
                   ) -> types.ApplyWorkspaceEditResult | None:
        if lsp_client.apply_answer == "null":  # type: ignore[attr-defined]
            return None
        applied.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    await initialize(lsp_client, repo.root, {"llmBaseUrl": llm.base_url,
                                             "model": "gpt-4o-mini"})
    await wait_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


def _partials(client: LanguageClient, token: str) -> list[dict[str, Any]]:
    return list(client.partial_results.get(token, []))  # type: ignore[attr-defined]


async def test_chat_streams_partial_results_and_runs_a_tool(
        client: LanguageClient, repo: GitRepo, llm: ScriptedLLM) -> None:
    llm.script[:] = [
        {"tool_calls": [{"id": "c1", "name": "cochange", "arguments": '{"path": "api.py"}'}]},
        {"text": "client.py usually changes with api.py.", "chunks": 5},
    ]
    uri = (repo.root / "api.py").as_uri()
    client.progress_reports.setdefault("w1", [])  # a client-created work-done token
    result = await request(client, "mira/chat", {
        "message": "What else changes when I edit api.py?", "textDocument": {"uri": uri},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "partialResultToken": "p1", "workDoneToken": "w1"})

    assert result["state"] == "completed"
    assert result["response"] == "client.py usually changes with api.py."
    parts = _partials(client, "p1")
    assert [p["kind"] for p in parts[:2]] == ["tool", "toolResult"]
    assert parts[0] == {"kind": "tool", "callId": "c1", "name": "cochange",
                        "args": {"path": "api.py"}}
    assert parts[1]["ok"] is True and "change with api.py" in parts[1]["summary"]
    texts = [p["text"] for p in parts if p["kind"] == "text"]
    assert len(texts) >= 3 and "".join(texts) == result["response"]
    tool_result = next(m for m in llm.requests[1]["messages"] if m["role"] == "tool")
    assert "client.py" in tool_result["content"]  # real co-change from the git history

    progress = client.progress_reports.get("w1", [])
    assert isinstance(progress[0], types.WorkDoneProgressBegin)
    assert any(getattr(p, "message", "") == "calling cochange" for p in progress)
    assert isinstance(progress[-1], types.WorkDoneProgressEnd)

    usage = result["usage"]
    assert usage["calls"] == 2 and usage["model"] == "gpt-4o-mini" and usage["costUsd"] > 0
    ops = await request(client, "mira/operations", {"operationId": result["operationId"]})
    op = ops["operations"][0]
    assert op["state"] == "completed" and op["sessionId"] == result["sessionId"]
    assert [e["seq"] for e in op["events"]] == list(range(1, len(op["events"]) + 1))
    assert API_KEY not in json.dumps(ops)
    budget = await request(client, "mira/budget", {})
    assert budget["configured"] is True and budget["calls"] == 2
    assert budget["dailySpentUsd"] == pytest.approx(usage["costUsd"], abs=1e-6)


async def test_cancel_mid_stream_leaves_a_cancelled_operation(
        client: LanguageClient, llm: ScriptedLLM) -> None:
    llm.script[:] = [{"text": "word " * 200, "chunks": 100, "chunk_delay": 0.05}]
    future = asyncio.wrap_future(client.protocol.send_request(
        "mira/chat", {"message": "Write a long story", "partialResultToken": "p2"},
        msg_id="chat-cancel"))
    await wait_for(lambda: len(_partials(client, "p2")) >= 3)
    client.protocol.notify("$/cancelRequest", types.CancelParams(id="chat-cancel"))
    with pytest.raises(Exception, match="cancel"):
        await asyncio.wait_for(future, 10)
    received = len(_partials(client, "p2"))
    assert received < 100  # the stream stopped

    async def latest_state() -> str:
        ops = await request(client, "mira/operations", {"limit": 1})
        return str(ops["operations"][0]["state"])

    for _ in range(100):
        if await latest_state() == "cancelled":
            break
        await asyncio.sleep(0.05)
    assert await latest_state() == "cancelled"


async def test_artifact_is_applied_only_through_apply_edit(
        client: LanguageClient, repo: GitRepo, llm: ScriptedLLM) -> None:
    new_text = "class User:\n    name = ''\n    email = ''\n"
    llm.script[:] = [
        {"tool_calls": [{"id": "p", "name": "propose_change", "arguments": json.dumps(
            {"path": "models.py", "content": new_text})}]},
        {"text": "I proposed adding an email field."},
    ]
    result = await request(client, "mira/chat", {"message": "Add an email to User",
                                                 "partialResultToken": "p3"})
    [artifact] = result["artifacts"]
    assert artifact["path"] == "models.py" and artifact["kind"] == "full"
    assert artifact["uri"] == (repo.root / "models.py").as_uri()
    change = artifact["edit"]["documentChanges"][0]
    assert change["edits"][0]["newText"] == new_text
    assert change["edits"][0]["range"]["end"] == {"line": 2, "character": 0}
    assert any(p["kind"] == "artifact" and p["artifact"]["id"] == artifact["id"]
               for p in _partials(client, "p3"))
    assert (repo.root / "models.py").read_text() != new_text  # nothing written yet

    applied = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="mira.applyArtifact", arguments=[artifact["id"]]))
    assert applied == {"applied": True}
    [edit] = client.applied_edits  # type: ignore[attr-defined]
    assert edit.edit.document_changes[0].edits[0].new_text == new_text  # type: ignore[index,union-attr]


async def test_apply_artifact_answers_when_the_client_answers_null(
        client: LanguageClient, repo: GitRepo, llm: ScriptedLLM) -> None:
    llm.script[:] = [
        {"tool_calls": [{"id": "p", "name": "propose_change", "arguments": json.dumps(
            {"path": "models.py", "content": "class User:\n    pass\n"})}]},
        {"text": "Proposed."},
    ]
    result = await request(client, "mira/chat", {"message": "Simplify User"})
    [artifact] = result["artifacts"]
    # (an error answer is covered in raw JSON-RPC by test_protocol_faults.py: pytest-lsp
    # counts an exception in a client handler as a test failure)
    client.apply_answer = "null"  # type: ignore[attr-defined]
    reply = await asyncio.wait_for(client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="mira.applyArtifact",
                                   arguments=[artifact["id"]])), 15)
    assert reply["applied"] is False and reply["reason"], reply
    assert client.applied_edits == []  # type: ignore[attr-defined]
    client.apply_answer = "applied"  # type: ignore[attr-defined]
    reply = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="mira.applyArtifact", arguments=[artifact["id"]]))
    assert reply == {"applied": True}


async def test_provider_error_is_a_clear_request_failure(
        client: LanguageClient, llm: ScriptedLLM) -> None:
    llm.script[:] = [{"status": 401, "message": "invalid key"}]
    with pytest.raises(Exception, match="refused the API key") as info:
        await request(client, "mira/chat", {"message": "hello"})
    assert API_KEY not in str(info.value)
    ops = await request(client, "mira/operations", {"limit": 1})
    assert ops["operations"][0]["state"] == "failed"
    with pytest.raises(Exception, match="message must not be empty"):
        await request(client, "mira/chat", {"message": "  "})
    with pytest.raises(Exception, match="reasoningEffort must be one of"):
        await request(client, "mira/chat", {"message": "x", "reasoningEffort": "extreme"})


async def test_a_session_recalls_earlier_messages_and_remembered_facts(
        client: LanguageClient, llm: ScriptedLLM) -> None:
    llm.script[:] = [{"text": "Noted."}, {"text": "Port 8080."}, {"text": "No idea."}]
    first = await request(client, "mira/chat", {
        "message": "Remember that the staging port is 8080.", "sessionId": "team"})
    await request(client, "mira/chat", {"message": "Which port?", "sessionId": "team"})
    second = llm.requests[1]["messages"]
    assert {"role": "user", "content": "Remember that the staging port is 8080."} in second
    assert "## Remembered Facts" in second[0]["content"] and "8080" in second[0]["content"]
    # a new session does not replay the other session's messages (facts are the user's)
    await request(client, "mira/chat", {"message": "Which port?"})
    other = llm.requests[2]["messages"]
    assert {"role": "assistant", "content": "Noted."} not in other
    memory = await request(client, "mira/memory", {"action": "list"})
    assert any("8080" in f["value"] for f in memory["facts"])
    assert first["sessionId"] == "team"
