"""The recipes as chat tools: list them, and scaffold one as proposals the user reviews.

A scaffold from chat becomes artifacts (the whole new text of each created or edited
file): nothing is written until the user applies them, like any proposed change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mira.core.recipes.scaffold import Scaffold, ScaffoldError
from mira.core.recipes.service import RecipeService

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

LIST_LIMIT = 15


async def list_recipes(ws: Workspace) -> tuple[str, str]:
    """(text for the model, summary for the user)."""
    try:
        found = await ws.service(RecipeService).recipes()
    except ScaffoldError as exc:
        return f"no recipes: {exc}", "no recipes"
    if not found:
        return "no recipe: no change shape recurs often enough in this history", "no recipes"
    lines = [f"- {r.id}: {r.title} ({r.support} commits); files: {', '.join(r.files)}"
             + (f"; e.g. {r.examples[0].commit[:10]} {r.examples[0].subject}"
                if r.examples else "") for r in found[:LIST_LIMIT]]
    return "\n".join(lines), f"{len(found)} recipes"


def new_texts(ws: Workspace, result: Scaffold) -> list[tuple[str, str]]:
    """(workspace-relative path, whole new text) of each change."""
    service = ws.service(RecipeService)
    root = service.repo().root
    out = []
    for c in result.changes:
        rel = (root / c.path).relative_to(ws.root).as_posix()
        if c.kind == "create":
            out.append((rel, c.content or ""))
            continue
        lines = (root / c.path).read_text(encoding="utf-8").splitlines(keepends=True)
        for e in sorted(c.edits, key=lambda e: (e.line, e.character), reverse=True):
            if e.character:
                lines[e.line] = lines[e.line][:e.character] + e.text + lines[e.line][e.character:]
            else:
                lines.insert(e.line, e.text)
        out.append((rel, "".join(lines)))
    return out


async def scaffold_texts(ws: Workspace, recipe: str, name: str
                         ) -> tuple[list[tuple[str, str]], list[str]]:
    """The files a scaffold would create or change, as whole texts, and its notes."""
    result = await ws.service(RecipeService).scaffold(recipe, name)
    return new_texts(ws, result), result.notes
