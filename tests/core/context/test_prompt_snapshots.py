"""Snapshots of the assembled prompt for representative requests (tests/snapshots/).

Deterministic: the fixture repository has fixed dates, authors and contents, so commit
hashes are stable; requests avoid wall-clock-dependent parts. Update with
``MIRA_UPDATE_SNAPSHOTS=1 python -m pytest tests/core/context/test_prompt_snapshots.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mira.core.context.api import ContextRequest, PromptContext
from mira.core.context.prompt import PromptPart, assemble
from mira.core.context.provider import create_provider
from mira.core.workspace import Workspace
from tests.support.gitrepo import GitRepo

SNAPSHOTS = Path(__file__).resolve().parents[2] / "snapshots"


def render(built: PromptContext) -> str:
    head = [f"preset: {built.preset}", f"tokens: {built.tokens}",
            "sections: " + ", ".join(s.source for s in built.sections),
            "skipped:", *[f"  {s}" for s in built.skipped],
            "history:", *[f"  {m['role']}: {m['content']}" for m in built.history]]
    # expert scores decay with wall-clock time: the only non-deterministic number
    system = re.sub(r"score \d\.\d\d, ", "score <s>, ", built.system)
    return "\n".join(head) + "\n=== system ===\n" + system


def check(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.md"
    if os.environ.get("MIRA_UPDATE_SNAPSHOTS") or not path.exists():
        if os.environ.get("CI") and not path.exists():
            pytest.fail(f"missing snapshot {path.name}")
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


async def test_question_with_cursor_full_preset(workspace: Workspace,
                                               context_repo: GitRepo) -> None:
    built = await create_provider(workspace).build(ContextRequest(
        "How do the api and client talk to each other?", "snap",
        path=context_repo.root / "client.py", line=3,
        tools=["read_file: read a file of the workspace", "search: search the code"]))
    # with the expertise service present, the prompt also has its Domain Experts section
    check("prompt_full_cursor", render(built))


async def test_budget_nearly_spent_with_selection(workspace: Workspace,
                                                 context_repo: GitRepo) -> None:
    built = await create_provider(workspace).build(ContextRequest(
        "Can this be simplified?", "snap", path=context_repo.root / "config.py", line=1,
        selection='    return values["name"]', budget_used_fraction=0.9))
    check("prompt_minimal_selection", render(built))


async def test_conversation_with_memory(workspace: Workspace, context_repo: GitRepo) -> None:
    provider = create_provider(workspace)
    await provider.record("mem", "user", "Remember that releases are cut on Tuesdays.")
    await provider.record("mem", "assistant", "Noted: releases on Tuesdays.")
    await provider.record("mem", "user", "The flaky test is test_client_timeout in client.py.")
    for i in range(4):
        await provider.record("mem", "user", f"Unrelated message {i} about lunch.")
        await provider.record("mem", "assistant", f"Reply {i}.")
    built = await provider.build(ContextRequest(
        "Which test was flaky?", "mem", budget_used_fraction=0.5))
    check("prompt_memory_default", render(built))


def test_over_budget_truncates_lowest_priority_first() -> None:
    parts = [PromptPart("persona", None, "You are Mira.", 0),
             PromptPart("oracle:code", "Relevant Code", "code line\n" * 200, 8),
             PromptPart("tree", "Repository Structure", "file.py\n" * 300, 30),
             PromptPart("current_file", "Current File", "x = 1", 1)]
    built = assemble(parts, 300)
    assert built.tokens <= 300
    assert [p.key for p in built.parts] == ["persona", "oracle:code", "current_file"]
    assert built.dropped == ["tree: dropped to fit the budget",
                             "oracle:code: truncated to fit the budget"]
    tiny = assemble(parts, 5)
    assert [p.key for p in tiny.parts] == ["persona"]  # the persona is never dropped
