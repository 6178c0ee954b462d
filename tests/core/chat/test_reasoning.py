"""Reasoning patterns and the profile through the real chat engine and a scripted model:
stored on a good outcome, matched and injected as "## Suggested Approach", use recorded,
success rates updated, forgotten; profile facts learned and put into the prompt."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from mira.core.chat.service import ChatRequest
from mira.core.reasoning import keeping
from mira.core.reasoning.chat_hooks import settle_kept
from mira.core.reasoning.profile import ProfileService
from mira.core.reasoning.service import ReasoningService
from mira.core.recipes.service import RecipeService
from mira.core.workspace import Workspace
from tests.core.chat.conftest import ChatFactory
from tests.support import recipe_repo

PLAN = ("To add it:\n1. Check the existing migrations for their naming\n"
        "2. Create the next numbered migration file\n3. Write the up and down steps\n")


def system_prompt(llm, index: int = 0) -> str:  # type: ignore[no-untyped-def]
    return str(llm.requests[index]["messages"][0]["content"])


async def test_good_outcome_stores_a_pattern_that_later_requests_get_suggested(
        make_chat: ChatFactory) -> None:
    chat, llm = make_chat([
        {"tool_calls": [{"id": "c1", "name": "read_file", "arguments": '{"path": "api.py"}'}]},
        {"text": PLAN},
    ])
    assert llm is not None
    first = await chat.chat(ChatRequest("Add a database migration for the users table"))
    assert "## Suggested Approach" not in system_prompt(llm)  # nothing learned yet
    reasoning = chat.ws.service(ReasoningService)
    assert await reasoning.list() == []  # a finished chat alone is not a pattern

    pattern = await reasoning.outcome(first.operation_id, good=True)  # thumbs-up
    assert pattern is not None and pattern.source == "chat"
    assert pattern.steps == [{"tool": "read_file", "args": "path: api.py"}]
    assert pattern.plan[0] == "Check the existing migrations for their naming"
    assert "migration" in pattern.keywords and pattern.successes == 1

    llm.script[:] = [{"text": "Done."}]
    n = len(llm.requests)
    second = await chat.chat(ChatRequest("add a migration for the orders table"))
    prompt = system_prompt(llm, n)
    assert "## Suggested Approach" in prompt
    assert "call `read_file` (path: api.py)" in prompt
    assert "Create the next numbered migration file" in prompt
    stored = await reasoning.show(pattern.id)
    assert stored is not None and stored.uses == 1
    op = await chat.operation(second.operation_id)
    assert op is not None
    learned = [e.data for e in op.events if e.type == "learned"]
    assert learned and learned[0]["patternId"] == pattern.id

    await reasoning.outcome(second.operation_id, good=False)  # thumbs-down
    stored = await reasoning.show(pattern.id)
    assert stored is not None and (stored.successes, stored.failures) == (1, 1)
    assert stored.success_rate == 0.5
    await reasoning.outcome(second.operation_id, good=True)  # changed their mind
    stored = await reasoning.show(pattern.id)
    assert stored is not None and (stored.successes, stored.failures) == (2, 0)

    n = len(llm.requests)
    await chat.chat(ChatRequest("What does handler return?"))
    assert "## Suggested Approach" not in system_prompt(llm, n)  # unrelated: no suggestion

    assert await reasoning.forget(pattern.id)
    n = len(llm.requests)
    await chat.chat(ChatRequest("add a migration for the invoices table"))
    assert "## Suggested Approach" not in system_prompt(llm, n)
    assert not await reasoning.forget(pattern.id)


NEW_MODEL = "class User:\n    email = ''\n    name = 'anonymous'\n"


async def test_an_applied_artifact_kept_is_a_good_outcome_reverted_a_bad_one(
        make_chat: ChatFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Applying only starts the check; once the file was saved, the change's lines still in
    it settle the outcome: kept → a pattern (a success), reverted → a failure."""
    monkeypatch.setattr(keeping, "KEEP_AFTER_S", 0.0)
    chat, llm = make_chat([
        {"tool_calls": [{"id": "p", "name": "propose_change", "arguments": json.dumps(
            {"path": "models.py", "content": NEW_MODEL})}]},
        {"text": "1. Add the email field to User\n2. Keep the default empty"},
    ])
    assert llm is not None
    answer = await chat.chat(ChatRequest("Add an email field to the User model"))
    [art] = answer.artifacts
    reasoning = chat.ws.service(ReasoningService)
    models = chat.ws.root / "models.py"
    before = models.read_text()
    await chat.mark_applied(art.id)  # the edit is in the editor's buffer, not saved yet
    assert await settle_kept(chat.ws) == 0
    assert await reasoning.list() == []
    models.write_text(NEW_MODEL)  # the user saves it
    os.utime(models, (time.time() + 5, time.time() + 5))
    assert await settle_kept(chat.ws) == 1
    [pattern] = await reasoning.list()
    assert pattern.file_kinds == [".py"] and pattern.steps[0]["tool"] == "propose_change"
    assert await settle_kept(chat.ws) == 0  # settled once

    # the same approach suggested again, applied, saved, then reverted: a failure
    llm.script += [  # the script goes on where it is
        {"tool_calls": [{"id": "q", "name": "propose_change", "arguments": json.dumps(
            {"path": "models.py", "content": NEW_MODEL.replace("email", "e_mail")})}]},
        {"text": "Done."}]
    models.write_text(before)
    again = await chat.chat(ChatRequest("Add an email field to the User model, again"))
    await chat.mark_applied(again.artifacts[0].id)
    models.write_text(before)  # saved without the change: reverted
    os.utime(models, (time.time() + 10, time.time() + 10))
    assert await settle_kept(chat.ws) == 1
    stored = await reasoning.show(pattern.id)
    assert stored is not None and (stored.uses, stored.successes, stored.failures) == (1, 1, 1)


def test_brought_lines_of_diffs_and_whole_files() -> None:
    diff = "--- a/x.py\n+++ b/x.py\n@@ -1 +1,2 @@\n x = 1\n+y = 22\n+}\n"
    assert keeping.brought_lines("diff", diff, None) == ["y = 22"]
    assert keeping.brought_lines("full", "x = 1\ny = 22\nz = 333\n", "x = 1\n") == [
        "y = 22", "z = 333"]


async def test_profile_is_learned_shown_in_the_prompt_edited_and_forgotten(
        make_chat: ChatFactory) -> None:
    chat, llm = make_chat([{"text": "Sure."}])
    assert llm is not None
    await chat.chat(ChatRequest("I prefer pytest fixtures over unittest classes. Be concise."))
    profile = chat.ws.service(ProfileService)
    facts = {f.key: f for f in await profile.facts()}
    assert set(facts) == {"preference:prefers pytest fixtures over unittest classes",
                          "style:concise answers"}
    assert all(f.confidence == 0.5 and f.source == "learned" for f in facts.values())
    n = len(llm.requests)
    await chat.chat(ChatRequest("Please be concise: what does api.py do?"))
    prompt = system_prompt(llm, n)
    assert "## About the user" in prompt and "concise answers" in prompt
    assert "prefers pytest fixtures over unittest classes" in prompt
    again = {f.key: f for f in await profile.facts()}
    assert again["style:concise answers"].confidence == 0.75  # said twice

    edited = await profile.set("preference", "prefers pytest fixtures",
                               key="preference:prefers pytest fixtures over unittest classes")
    assert edited.confidence == 1.0 and edited.source == "user"
    assert await profile.forget("style:concise answers")
    n = len(llm.requests)
    await chat.chat(ChatRequest("what does api.py do?"))
    prompt = system_prompt(llm, n)
    assert "concise answers" not in prompt and "- prefers pytest fixtures" in prompt


async def test_recipes_seed_patterns_for_a_fresh_repository(tmp_path: Path) -> None:
    repo = recipe_repo.build(tmp_path / "repo")
    ws = Workspace(repo.root)
    ws.open()
    try:
        recipes = ws.service(RecipeService).recipes_blocking(ws.repos[0])
        handler = next(r for r in recipes if "src/app/handlers/{{snake}}.py" in r.files)
        found = await ws.service(ReasoningService).suggest(
            "op-1", "add a handler for payment methods", "src/app/handlers/billing.py")
        assert found is not None and found.pattern.source == "recipe"
        assert f"scaffold with recipe `{handler.id}`" in found.markdown
        assert "from .{{snake}} import {{pascal}}Handler" in found.markdown
        assert await ws.service(ReasoningService).suggest("op-2", "why is CI slow", None) is None
        # the open file's shape is the signal, not its extension (absolute, as chats send it)
        shaped = await ws.service(ReasoningService).suggest(
            "op-3", "add a handler for payment methods",
            (repo.root / "src/app/handlers/billing.py").as_posix())
        assert shaped is not None and shaped.pattern.id == found.pattern.id
        assert await ws.service(ReasoningService).suggest(
            "op-4", "add a handler for payment methods",
            (repo.root / "src/app/base.py").as_posix()) is None
    finally:
        await ws.close()


async def test_scaffold_chat_tool_proposes_artifacts_and_writes_nothing(
        tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mira.core.chat.service import ChatService
    from mira.core.config import MiraConfig
    from tests.support.scripted_llm import ScriptedLLM
    repo = recipe_repo.build(tmp_path / "repo")
    ws = Workspace(repo.root, MiraConfig(semantic_enabled=False, memory_model_analysis=False))
    ws.open()
    recipe = next(r for r in ws.service(RecipeService).recipes_blocking(ws.repos[0])
                  if "src/app/handlers/{{snake}}.py" in r.files)
    with ScriptedLLM([
        {"tool_calls": [{"id": "r", "name": "recipes", "arguments": "{}"}]},
        {"tool_calls": [{"id": "s", "name": "scaffold", "arguments": json.dumps(
            {"recipe": recipe.id, "name": "refunds"})}]},
        {"text": "I scaffolded the refunds handler."},
    ]) as llm:
        ws.config.llm_base_url = llm.base_url
        ws.config.model = "gpt-4o-mini"
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        try:
            answer = await ws.service(ChatService).chat(ChatRequest("add a refunds handler"))
        finally:
            await ws.close()
        tool_results = [m for m in llm.requests[1]["messages"] if m["role"] == "tool"]
        assert recipe.id in tool_results[0]["content"]
    paths = sorted(a.path for a in answer.artifacts)
    assert paths == ["src/app/handlers/__init__.py", "src/app/handlers/refunds.py",
                     "tests/test_refunds.py"]
    registry = next(a for a in answer.artifacts if a.path.endswith("__init__.py")).content
    assert "from .refunds import RefundsHandler\nfrom .search_index" in registry
    assert not (repo.root / "src/app/handlers/refunds.py").exists()


async def test_patterns_stored_without_an_embedding_get_one_later(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pattern stored while the embedding model was busy is embedded on a later request,
    and a paraphrase with no shared keyword then matches it through the embedding."""
    from mira.core.config import MiraConfig
    from tests.support.context_repo import context_fixture
    repo = context_fixture(tmp_path / "repo")
    ws = Workspace(repo.root, MiraConfig(semantic_enabled=True, memory_model_analysis=False))
    ws.open()
    ready = False

    def embed(self: ReasoningService, text: str) -> list[float] | None:
        if not ready:
            return None  # the model is still loading
        return [1.0, 0.0] if any(w in text.lower() for w in ("migration", "schema")) \
            else [0.0, 1.0]

    monkeypatch.setattr(ReasoningService, "_embed", embed)
    try:
        reasoning = ws.service(ReasoningService)
        await reasoning.observe("op-1", "Add a database migration for the users table", None,
                                PLAN, [], [])
        pattern = await reasoning.outcome("op-1", good=True)
        assert pattern is not None and pattern.embedding is None
        assert await reasoning.suggest("op-2", "write a schema upgrade for accounts", None) \
            is None  # no shared keyword, no embedding yet
        ready = True
        found = await reasoning.suggest("op-3", "write a schema upgrade for accounts", None)
        assert found is not None and found.pattern.id == pattern.id
        stored = await reasoning.show(pattern.id)
        assert stored is not None and stored.embedding == [1.0, 0.0]
        assert await reasoning.suggest("op-4", "why is the CI slow", None) is None
    finally:
        await ws.close()
