"""``mira/recipes`` and ``mira/scaffold`` message types."""

from __future__ import annotations

import attrs
from lsprotocol import types

from mira.lsp.protocol import register

RECIPES = "mira/recipes"
SCAFFOLD = "mira/scaffold"
REFINE_RECIPE = "mira/refineRecipe"
SCAFFOLD_COMMAND = "mira.scaffold"          # client side: asks for a name, then applies
APPLY_SCAFFOLD = "mira.applyScaffold"      # server side: workspace/applyEdit, tracked


@attrs.define
class RecipesParams:
    text_document: types.TextDocumentIdentifier | None = None  # which repository; default: first
    include_retired: bool = False


@attrs.define
class RecipeExample:
    commit: str
    subject: str
    name: str


@attrs.define
class RecipeEdit:
    path: str
    lines: list[str]


@attrs.define
class RecipeItem:
    id: str
    title: str
    files: list[str]
    support: int
    last_used: str | None  # ISO 8601
    examples: list[RecipeExample]
    creates: list[str]
    edits: list[RecipeEdit]
    version: int
    retired: bool
    effectiveness: float | None = None


@attrs.define
class RecipesResult:
    recipes: list[RecipeItem]
    note: str | None = None


@attrs.define
class ScaffoldParams:
    recipe: str
    name: str
    text_document: types.TextDocumentIdentifier | None = None


@attrs.define
class ScaffoldChange:
    path: str
    kind: str  # "create" | "edit"
    content: str | None = None
    edits: list[types.TextEdit] | None = None


@attrs.define
class ScaffoldResult:
    recipe: str
    name: str
    changes: list[ScaffoldChange]
    edit: types.WorkspaceEdit
    notes: list[str]


@attrs.define
class RefineRecipeParams:
    recipe: str
    text_document: types.TextDocumentIdentifier | None = None


@attrs.define
class RefineRecipeResult:
    recipe: RecipeItem  # the new version
    note: str  # what the model says it changed


register(RECIPES, RecipesParams, RecipesResult)
register(SCAFFOLD, ScaffoldParams, ScaffoldResult)
register(REFINE_RECIPE, RefineRecipeParams, RefineRecipeResult)
