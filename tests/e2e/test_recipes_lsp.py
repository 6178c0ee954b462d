"""mira/recipes, mira/scaffold, the "New … like …" code action and mira.applyScaffold, over
stdio against the real server, on a history built in tmp_path."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.support import recipe_repo
from tests.support.gitrepo import GitRepo
from tests.support.lsp import config, initialize, request, wait_indexed

HANDLER = "src/app/handlers/{{snake}}.py"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return recipe_repo.build(tmp_path / "repo")


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient, repo: GitRepo):  # type: ignore[no-untyped-def]
    applied: list[types.ApplyWorkspaceEditParams] = []
    lsp_client.applied_edits = applied  # type: ignore[attr-defined]
    lsp_client.accept_edits = True  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        applied.append(params)
        return types.ApplyWorkspaceEditResult(applied=lsp_client.accept_edits)  # type: ignore[attr-defined]

    await initialize(lsp_client, repo.root)
    await wait_indexed(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def handler_recipe(client: LanguageClient) -> dict[str, Any]:
    result = await request(client, "mira/recipes", {})
    return next(r for r in result["recipes"] if HANDLER in r["files"])


async def test_recipes_and_scaffold_requests(client: LanguageClient, repo: GitRepo) -> None:
    recipe = await handler_recipe(client)
    assert recipe["support"] == 4 and recipe["lastUsed"].startswith("20")
    assert recipe["edits"] == [{"path": "src/app/handlers/__init__.py",
                                "lines": ["from .{{snake}} import {{pascal}}Handler"]}]
    result = await request(client, "mira/scaffold", {"recipe": recipe["id"], "name": "cart"})
    paths = [c["path"] for c in result["changes"]]
    assert paths == ["src/app/handlers/cart.py", "tests/test_cart.py",
                     "src/app/handlers/__init__.py"]
    doc_changes = result["edit"]["documentChanges"]
    assert doc_changes[0]["kind"] == "create"
    assert doc_changes[0]["uri"] == (repo.root / "src/app/handlers/cart.py").as_uri()
    assert "class CartHandler(Handler)" in doc_changes[1]["edits"][0]["newText"]
    assert not (repo.root / "src/app/handlers/cart.py").exists()  # a request never writes
    assert client.applied_edits == []  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="no recipe"):
        await request(client, "mira/scaffold", {"recipe": "nope", "name": "x"})
    with pytest.raises(Exception, match="needs a language model"):
        await request(client, "mira/refineRecipe", {"recipe": recipe["id"]})


async def test_code_action_offers_new_like_and_apply_goes_through_apply_edit(
        client: LanguageClient, repo: GitRepo) -> None:
    uri = (repo.root / "src/app/handlers/billing.py").as_uri()

    async def new_like_actions() -> list[types.CodeAction]:
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[])))
        return [a for a in actions or [] if isinstance(a, types.CodeAction)
                and a.title.startswith("New ")]
    # mined in the background after indexing: the code action never waits for mining
    deadline = asyncio.get_running_loop().time() + 30
    new_like = await new_like_actions()
    while not new_like and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.2)
        new_like = await new_like_actions()
    assert new_like and new_like[0].title == "New handler (py) like billing.py…"
    command = new_like[0].command
    assert command is not None and command.command == "mira.scaffold"
    args = dict(command.arguments[0])  # type: ignore[index]
    assert args["uri"] == uri

    answer = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="mira.applyScaffold", arguments=[{**args, "name": "order_history"}]))
    assert answer["applied"] is True
    [params] = client.applied_edits  # type: ignore[attr-defined]
    created = [c.uri for c in params.edit.document_changes  # type: ignore[union-attr]
               if isinstance(c, types.CreateFile)]
    assert created == [(repo.root / p).as_uri() for p in
                       ("src/app/handlers/order_history.py", "tests/test_order_history.py")]
    client.accept_edits = False  # type: ignore[attr-defined]
    refused = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="mira.applyScaffold", arguments=[{**args, "name": "refunds"}]))
    assert refused["applied"] is False
    db = repo.root / ".mira" / "mira.db"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT name, applied FROM recipe_executions ORDER BY id").fetchall()
    assert rows == [("order_history", 1), ("refunds", 0)]
