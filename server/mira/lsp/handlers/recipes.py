"""Change recipes: ``mira/recipes``, ``mira/scaffold``, the "New … like …" code action and
``mira.applyScaffold`` (the only path from a scaffold to files: ``workspace/applyEdit``)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from mira.core.chat.ledger import BudgetExceeded
from mira.core.chat.llm_client import LLMError
from mira.core.chat.service import ChatService
from mira.core.recipes.model import Recipe, recipe_json, thing
from mira.core.recipes.refine import RefineError
from mira.core.recipes.scaffold import Scaffold, ScaffoldError
from mira.core.recipes.service import RecipeService
from mira.core.workspace import Workspace
from mira.lsp import protocol_recipes as pr
from mira.lsp.convert import path_to_uri
from mira.lsp.documents import resolve, workspace_for
from mira.lsp.server import MiraServer  # runtime import: pygls reads command annotations

log = logging.getLogger(__name__)
MAX_ACTIONS = 3


class RefineFailed(JsonRpcException):
    code = -32803  # LSP's RequestFailed: no model, or its answer did not validate


def recipe_item(r: Recipe) -> pr.RecipeItem:
    d = recipe_json(r)
    return pr.RecipeItem(
        id=r.id, title=r.title, files=r.files, support=r.support, last_used=d["lastUsed"],
        examples=[pr.RecipeExample(**x) for x in d["examples"]], creates=d["creates"],
        edits=[pr.RecipeEdit(e.path, e.lines) for e in r.edits], version=r.version,
        retired=r.retired, effectiveness=d["effectiveness"])


async def _target(ls: MiraServer, doc: types.TextDocumentIdentifier | None
                  ) -> tuple[Workspace, Path | None]:
    ws, path = await workspace_for(ls, doc.uri if doc else None)
    if ws is None:
        raise JsonRpcInvalidParams(message="no workspace is open")
    return ws, path


def workspace_edit(root: Path, result: Scaffold) -> types.WorkspaceEdit:
    """Created files first (CreateFile, then their text), then insertions into shared files."""
    changes: list[Any] = []
    for c in result.changes:
        uri = path_to_uri(root / c.path)
        if c.kind == "create":
            changes.append(types.CreateFile(uri=uri, options=types.CreateFileOptions(
                overwrite=False, ignore_if_exists=True)))
            edits = [types.TextEdit(types.Range(types.Position(0, 0), types.Position(0, 0)),
                                    c.content or "")]
        else:
            edits = [types.TextEdit(types.Range(types.Position(e.line, e.character),
                                                types.Position(e.line, e.character)), e.text)
                     for e in c.edits]
        changes.append(types.TextDocumentEdit(
            types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None), edits))
    return types.WorkspaceEdit(document_changes=changes)


def scaffold_result(root: Path, result: Scaffold) -> pr.ScaffoldResult:
    changes = []
    for c in result.changes:
        if c.kind == "create":
            changes.append(pr.ScaffoldChange(c.path, "create", content=c.content))
        else:
            changes.append(pr.ScaffoldChange(c.path, "edit", edits=[
                types.TextEdit(types.Range(types.Position(e.line, e.character),
                                           types.Position(e.line, e.character)), e.text)
                for e in c.edits]))
    return pr.ScaffoldResult(result.recipe, result.name, changes, workspace_edit(root, result),
                             result.notes)


async def _scaffold(ws: Workspace, path: Path | None, recipe: str, name: str
                    ) -> tuple[RecipeService, Scaffold, Path]:
    service = ws.service(RecipeService)
    try:
        root = service.repo(path).root
        return service, await service.scaffold(recipe, name, path), root
    except ScaffoldError as exc:
        raise JsonRpcInvalidParams(message=str(exc)) from exc


async def apply_scaffold(ls: MiraServer, args: dict[str, Any]) -> dict[str, Any]:
    """Scaffold, ask the client to apply it, and record the execution either way."""
    recipe, name = str(args.get("recipe") or ""), str(args.get("name") or "").strip()
    if not recipe or not name:
        raise JsonRpcInvalidParams(message="mira.applyScaffold needs {recipe, name}")
    ws, path = await workspace_for(ls, args.get("uri"))
    if ws is None:
        raise JsonRpcInvalidParams(message="no workspace is open")
    service, result, root = await _scaffold(ws, path, recipe, name)
    if not result.changes:
        ls.show(f"Mira: nothing to scaffold for {name!r}: " + "; ".join(result.notes))
        return {"applied": False, "notes": result.notes}
    answer = await ls.ask_client(ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(
        edit=workspace_edit(root, result), label=f"Mira: {recipe} for {name}")),
        "workspace/applyEdit")
    applied = bool(answer and answer.applied)
    await service.record(result, applied, path)
    created = [path_to_uri(root / c.path) for c in result.changes if c.kind == "create"]
    return {"applied": applied, "created": created, "notes": result.notes}


async def new_like_actions(ls: MiraServer, params: types.CodeActionParams
                           ) -> list[types.CodeAction]:
    """In a file shaped like a recipe's template: "New <thing> like <file>…"."""
    doc = await resolve(ls, params.text_document.uri)
    if doc is None or doc.repo is None:
        return []
    found = await doc.workspace.service(RecipeService).applicable(doc.path)
    actions: list[types.CodeAction] = []
    seen: set[str] = set()
    for a in sorted(found, key=lambda a: -a.recipe.support):
        title = f"New {thing(a.recipe.anchor)} like {Path(a.example).name}…"
        if title in seen or len(actions) >= MAX_ACTIONS:
            continue
        seen.add(title)
        actions.append(types.CodeAction(
            title=title, kind=types.CodeActionKind.Refactor,
            command=types.Command(title=title, command=pr.SCAFFOLD_COMMAND, arguments=[
                {"recipe": a.recipe.id, "uri": doc.uri, "title": a.recipe.title}])))
    return actions


async def mine_after_indexing(ls: MiraServer, ws: Workspace) -> None:
    """Recipes are mined in the background once the history is indexed, so the first code
    action and mira/recipes find them ready."""
    service = ws.service(RecipeService)
    for repo in list(ws.repos):
        ls.state.spawn(asyncio.to_thread(service.refresh_in_background, repo),
                       f"recipes {repo.root}")


def register(server: MiraServer) -> None:
    server.providers.code_action.append(new_like_actions)
    server.providers.git_indexed.append(mine_after_indexing)

    @server.feature(pr.RECIPES)
    async def recipes(ls: MiraServer, params: pr.RecipesParams) -> pr.RecipesResult:
        ws, path = await _target(ls, params.text_document)
        try:
            found = await ws.service(RecipeService).recipes(path, params.include_retired)
        except ScaffoldError as exc:
            return pr.RecipesResult([], note=str(exc))
        return pr.RecipesResult([recipe_item(r) for r in found])

    @server.feature(pr.SCAFFOLD)
    async def scaffold(ls: MiraServer, params: pr.ScaffoldParams) -> pr.ScaffoldResult:
        ws, path = await _target(ls, params.text_document)
        _, result, root = await _scaffold(ws, path, params.recipe, params.name)
        return scaffold_result(root, result)

    @server.feature(pr.REFINE_RECIPE)
    async def refine_recipe(ls: MiraServer, params: pr.RefineRecipeParams
                            ) -> pr.RefineRecipeResult:
        ws, path = await _target(ls, params.text_document)
        completer = ws.service(ChatService).completer()
        if completer is None:
            raise RefineFailed(message="refining a recipe needs a language model (mira.model)")
        try:
            recipe, note = await ws.service(RecipeService).refine_with_model(
                params.recipe, completer, path)
        except ScaffoldError as exc:
            raise JsonRpcInvalidParams(message=str(exc)) from exc
        except RefineError as exc:
            raise RefineFailed(message=f"the refinement was not kept: {exc}") from exc
        except (LLMError, BudgetExceeded) as exc:
            raise RefineFailed(message=f"the model did not answer: {exc}") from exc
        finally:
            completer.close()
        return pr.RefineRecipeResult(recipe_item(recipe), note)

    @server.command(pr.APPLY_SCAFFOLD)
    async def apply_scaffold_command(ls: MiraServer, args: dict[str, Any]) -> dict[str, Any]:
        return await apply_scaffold(ls, args)
