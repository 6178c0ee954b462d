"""Memory relationships through the real chat engine and a scripted model: a chat's messages
are linked to the file it was about, the files it mentions, read and proposed (applied), the
memory and profile facts it taught and the pattern it was suggested; read back by file,
fact, profile fact, pattern and message; used — a chat about a file in another session gets
the earlier conversation about it; secrets are never linked; forgetting drops the links."""

from __future__ import annotations

import json

from mira.core.chat.service import ChatRequest
from mira.core.files import Gate
from mira.core.reasoning.chat_hooks import rated
from mira.core.reasoning.profile import ProfileService
from mira.core.reasoning.relations import RelationService, mentioned_paths
from tests.core.chat.conftest import ChatFactory


def links(messages, role: str) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return {(ln.kind, ln.target, ln.relation) for m in messages if m.role == role
            for ln in m.links}


async def test_a_chat_relates_messages_files_facts_and_patterns(make_chat: ChatFactory) -> None:
    chat, llm = make_chat([
        {"tool_calls": [{"id": "r", "name": "read_file", "arguments": '{"path": "api.py"}'}]},
        {"tool_calls": [{"id": "p", "name": "propose_change", "arguments": json.dumps(
            {"path": "models.py", "content": "class User:\n    email = ''\n"})}]},
        {"text": "1. Read api.py\n2. Add the field in models.py, as AGENTS.md says"},
    ])
    assert llm is not None
    ws = chat.ws
    (ws.root / ".env").write_text("TOKEN=x\n")
    first = await chat.chat(ChatRequest(
        "Add an email field used by models.py (not .env). Remember that the deploy target is "
        "fly. I prefer small functions.", session_id="s1", path=ws.root / "api.py"))
    relations = ws.service(RelationService)

    about_api = await relations.related("file", "api.py")
    assert {m.role for m in about_api} == {"user", "assistant"}  # the whole chat
    asked, answered = links(about_api, "user"), links(about_api, "assistant")
    assert ("file", "api.py", "about") in asked
    assert ("file", "models.py", "mentioned") in asked
    assert not any(t == ".env" for _, t, _ in asked | answered)  # secrets are never linked
    assert ("fact", "deploy_target", "taught") in asked
    assert ("profile", "preference:prefers small functions", "taught") in asked
    assert ("file", "api.py", "read") in answered
    assert ("file", "models.py", "proposed") in answered
    assert ("file", "AGENTS.md", "mentioned") in answered

    user = next(m for m in about_api if m.role == "user")
    assert user.operation_id == first.operation_id and user.session_id == "s1"
    by_fact = await relations.related("fact", "deploy_target")
    assert user.id in {m.id for m in by_fact}
    by_message = await relations.related(entry_id=user.id)
    assert {m.id for m in by_message} == {m.id for m in about_api}

    await chat.mark_applied(first.artifacts[0].id)
    assert ("file", "models.py", "applied") in links(
        await relations.related("file", "models.py"), "assistant")
    pattern = await rated(ws, first.operation_id, good=True)  # thumbs-up: the pattern taught
    assert pattern is not None
    assert ("pattern", str(pattern.id), "taught") in links(
        await relations.related("pattern", str(pattern.id)), "assistant")

    # used: a chat about api.py in another session gets the earlier conversation about it
    llm.script += [{"text": "It validates the request."}]
    n = len(llm.requests)
    second = await chat.chat(ChatRequest("Add an email field to this handler too", session_id="s2",
                                         path=ws.root / "api.py"))
    system = str(llm.requests[n]["messages"][0]["content"])
    assert "## Earlier conversations about api.py" in system
    assert "Remember that the deploy target is fly" in system
    assert "(about, read)" in system
    assert ("pattern", str(pattern.id), "suggested") in links(
        await relations.related("pattern", str(pattern.id)), "user")
    op = await chat.operation(second.operation_id)
    assert op is not None
    assert [e.data.get("relatedChats") for e in op.events if e.type == "learned"] == [1]

    await ws.service(ProfileService).forget("all")  # forgetting drops the links
    assert await relations.related("profile", "preference:prefers small functions") == []
    assert not any(k == "profile" for k, _, _ in links(await relations.related(
        "file", "api.py"), "user"))


def test_mentioned_paths_are_existing_workspace_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("x = 1\n")
    (tmp_path / "README.md").write_text("# x\n")
    (tmp_path / "id_rsa.pem").write_text("k\n")
    gate = Gate(tmp_path)
    text = ("see src/app.py and ./README.md, not missing.py, e.g. or ../etc/passwd.txt "
            "or id_rsa.pem; src/app.py again")
    assert mentioned_paths(gate, text) == ["src/app.py", "README.md"]
