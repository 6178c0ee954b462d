"""End to end over stdio: a real failing pytest build -> mira-build diagnostic ->
"similar past fix" code action naming the historical commit -> diagnostic cleared
after the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.support.gitrepo import GitRepo
from tests.support.lsp import request, wait_for, wait_indexed

PYTEST = "python3 -m pytest -q -p no:cacheprovider"
TEST = ("from pricing import discount\n\n\ndef test_discount():\n"
        "    assert discount(100, None) == 100\n")
GOOD = "def discount(price, rate):\n    if rate is None:\n        return price\n" \
       "    return price * (1 - rate)\n"
BUGGY = "def discount(price, rate):\n    return price * (1 - rate)\n"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("pricing module", {"pricing.py": BUGGY, "test_pricing.py": TEST,
                                   "other.py": "A = 1\n"})
    repo.commit("Fix TypeError in discount when rate is None", {"pricing.py": GOOD},
                author="alice")
    repo.commit("unrelated: tweak other", {"other.py": "A = 2\n"}, author="bob")
    repo.commit("Fix crash in other on startup", {"other.py": "A = 3\n"}, author="carol")
    # the bug comes back (a bad merge, say) — in the working tree
    (repo.root / "pricing.py").write_text(BUGGY)
    return repo


@pytest.fixture
def client_options() -> dict[str, Any]:
    return {"buildCommands": PYTEST}


def build_diags(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(uri, []) if d.source == "mira-build"]


async def test_build_diagnostic_past_fix_and_clear(client: LanguageClient, repo: GitRepo
                                                   ) -> None:
    await wait_indexed(client)
    fix_commit = repo.git("log", "--format=%H", "-1", "--grep", "Fix TypeError").strip()
    pricing = (repo.root / "pricing.py").as_uri()

    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="mira.runBuild", arguments=[]))
    [run] = result["runs"]
    assert run["status"] == "failed" and run["errors"] == 1
    [diagnostic] = await wait_for(lambda: build_diags(client, pricing))
    assert diagnostic.code == "TypeError" and diagnostic.range.start.line == 1
    assert "unsupported operand" in diagnostic.message
    assert any(r and r[0].kind == "begin" and r[0].title == "Mira: build"
               for r in client.progress_reports.values())

    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(pricing), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    titles = [a.title for a in actions]
    assert titles[0] == (f"Similar error fixed in {fix_commit[:7]} (alice, "
                         f"{_month(repo, fix_commit)}): view the diff")
    assert titles[1].startswith("Show similar past fixes (")
    assert actions[0].command is not None and actions[0].command.arguments[-1] == fix_commit

    fixes = await request(client, "mira/fixes", {
        "message": diagnostic.message, "textDocument": {"uri": pricing},
        "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 1}}})
    top = fixes["fixes"][0]
    assert top["commit"] == fix_commit and top["files"] == ["pricing.py"]
    assert "rate is None" in top["hunk"] and 0 < top["similarity"] <= 1

    # a diagnostic of another server (pasted text) gets the action too
    foreign = types.Diagnostic(range=diagnostic.range, source="pyright",
                               message="TypeError: unsupported operand type(s) for -: 'int'"
                                       " and 'NoneType' in discount")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(pricing), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[foreign])))
    assert actions and actions[0].command is not None
    assert actions[0].command.arguments[-1] == fix_commit

    (repo.root / "pricing.py").write_text(GOOD)
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="mira.runBuild", arguments=[]))
    assert result["runs"][0]["status"] == "passed" and len(result["runs"][0]["resolved"]) == 1
    await wait_for(lambda: not build_diags(client, pricing) and pricing in client.diagnostics)


async def test_missing_build_command_is_reported(client: LanguageClient, repo: GitRepo) -> None:
    await wait_indexed(client)
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="mira.runBuild", arguments=["no-such-build-tool --all"]))
    assert result["runs"][0]["status"] == "error"
    await wait_for(lambda: any("command not found" in m.message
                               for m in client.messages))


def _month(repo: GitRepo, commit: str) -> str:
    return repo.git("log", "-1", "--date=format:%Y-%m", "--format=%ad", commit).strip()
