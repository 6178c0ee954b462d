"""End to end over stdio: mira/feedback turns a chat into a reasoning pattern that the next
similar chat gets as "## Suggested Approach"; mira/reasoning lists, shows and forgets it;
mira/profile shows, edits and deletes what was learned about the user."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_lsp import LanguageClient

from tests.support.context_repo import context_fixture
from tests.support.gitrepo import GitRepo
from tests.support.lsp import request
from tests.support.scripted_llm import ScriptedLLM


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return context_fixture(tmp_path / "repo")


@pytest.fixture
def client(model_client: LanguageClient) -> LanguageClient:
    return model_client


async def test_feedback_patterns_and_profile(client: LanguageClient, llm: ScriptedLLM,
                                             repo: GitRepo) -> None:
    llm.script[:] = [
        {"tool_calls": [{"id": "c1", "name": "read_file", "arguments": '{"path": "api.py"}'}]},
        {"text": "1. Read the handler in api.py\n2. Add the rate limit check before it"},
    ]
    api = (repo.root / "api.py").as_uri()
    first = await request(client, "mira/chat", {
        "message": "Add a rate limit to the api handler. I prefer small functions.",
        "textDocument": {"uri": api}})
    # memory relationships: the chat's messages relate to the file, what it read, what it taught
    related = (await request(client, "mira/memoryRelations", {"textDocument": {"uri": api}}
                             ))["messages"]
    assert [m["role"] for m in related] == ["assistant", "user"]
    assert {"kind": "file", "target": "api.py", "relation": "about"} in related[1]["links"]
    assert {"kind": "profile", "target": "preference:prefers small functions",
            "relation": "taught"} in related[1]["links"]
    assert related[0]["links"] == [{"kind": "file", "target": "api.py", "relation": "read"}]
    assert related[1]["operationId"] == first["operationId"]
    by_fact = await request(client, "mira/memoryRelations", {
        "kind": "profile", "target": "preference:prefers small functions"})
    assert {m["id"] for m in by_fact["messages"]} == {m["id"] for m in related}
    with pytest.raises(Exception, match="give a textDocument"):
        await request(client, "mira/memoryRelations", {})
    listed = await request(client, "mira/reasoning", {"action": "list"})
    assert listed["patterns"] == []

    liked = await request(client, "mira/feedback", {"operationId": first["operationId"],
                                                    "rating": "up"})
    assert liked["recorded"] is True and liked["patternId"]
    [pattern] = (await request(client, "mira/reasoning", {}))["patterns"]
    assert pattern["source"] == "chat" and pattern["successRate"] == 1.0
    assert pattern["steps"][0]["tool"] == "read_file"
    shown = await request(client, "mira/reasoning", {"action": "show", "id": pattern["id"]})
    assert shown["patterns"][0]["markdown"].startswith("## Suggested Approach")

    llm.script[:] = [{"text": "Done."}]
    n = len(llm.requests)
    second = await request(client, "mira/chat", {"message": "add a rate limit to the login api"})
    system = llm.requests[n]["messages"][0]["content"]
    assert "## Suggested Approach" in system and "Add the rate limit check" in system
    assert "## About the user" in system and "prefers small functions" in system
    await request(client, "mira/feedback", {"operationId": second["operationId"],
                                            "rating": "down"})
    [again] = (await request(client, "mira/reasoning", {}))["patterns"]
    assert (again["uses"], again["successes"], again["failures"]) == (1, 1, 1)

    with pytest.raises(Exception, match="rating must be"):
        await request(client, "mira/feedback", {"operationId": first["operationId"],
                                                "rating": "meh"})
    with pytest.raises(Exception, match="no operation"):
        await request(client, "mira/feedback", {"operationId": "op-nope", "rating": "up"})

    facts = (await request(client, "mira/profile", {}))["facts"]
    assert [f["value"] for f in facts] == ["prefers small functions"]
    edited = await request(client, "mira/profile", {
        "action": "set", "key": facts[0]["key"], "category": "preference",
        "value": "prefers small pure functions"})
    assert [(f["value"], f["source"]) for f in edited["facts"]] == [
        ("prefers small pure functions", "user")]
    gone = await request(client, "mira/profile", {"action": "forget", "key": "all"})
    assert gone["removed"] is True and gone["facts"] == []

    removed = await request(client, "mira/reasoning", {"action": "forget", "id": pattern["id"]})
    assert removed["removed"] is True
    assert (await request(client, "mira/reasoning", {}))["patterns"] == []
