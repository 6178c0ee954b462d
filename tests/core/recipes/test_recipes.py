"""Mining recipes from a real git history built in tmp_path, and scaffolding from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mira.core.recipes.service import RecipeService, mine
from mira.core.workspace import Workspace
from tests.support import recipe_repo
from tests.support.gitrepo import GitRepo


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return recipe_repo.build(tmp_path / "repo")


def handler_recipe(recipes):  # type: ignore[no-untyped-def]
    return next(r for r in recipes if "src/app/handlers/{{snake}}.py" in r.files)


def test_mines_the_handler_recipe_with_its_registry_edit(repo: GitRepo) -> None:
    recipes, commits = mine(repo.root)
    assert commits >= 9
    r = handler_recipe(recipes)
    assert r.files == ["src/app/handlers/{{snake}}.py", "tests/test_{{snake}}.py",
                       "src/app/handlers/__init__.py"]
    assert r.support == 4
    assert r.edits[0].lines == ["from .{{snake}} import {{pascal}}Handler"]
    assert [e.name for e in r.examples] == ["audit_log", "search_index", "billing", "user_profile"]
    content = r.creates[0].content
    assert "class {{pascal}}Handler(Handler):" in content
    assert 'route = "/{{kebab}}"' in content
    assert r.title.startswith("New handler (py)")
    # nothing about the secret file or the readme-only commits
    assert not any("secret" in f or "README" in f for rr in recipes for f in rr.files)


def test_scaffold_renders_files_and_inserts_at_the_sorted_place(repo: GitRepo) -> None:
    ws = Workspace(repo.root)
    ws.open()
    service = ws.service(RecipeService)
    recipes = service.recipes_blocking(ws.repos[0])
    r = handler_recipe(recipes)
    import asyncio
    result = asyncio.run(service.scaffold(r.id, "cartItems"))
    changes = {c.path: c for c in result.changes}
    assert set(changes) == {"src/app/handlers/cart_items.py", "tests/test_cart_items.py",
                            "src/app/handlers/__init__.py"}
    created = changes["src/app/handlers/cart_items.py"].content or ""
    assert "class CartItemsHandler(Handler):" in created and '"/cart-items"' in created
    assert "audit" not in created
    edit = changes["src/app/handlers/__init__.py"].edits[0]
    registry = (repo.root / "src/app/handlers/__init__.py").read_text().splitlines()
    # sorted: after audit_log and billing, before search_index
    assert registry[edit.line].startswith("from .search_index")
    assert edit.text == "from .cart_items import CartItemsHandler\n"
    assert not (repo.root / "src/app/handlers/cart_items.py").exists()  # never written
    # an existing name is not created again
    again = asyncio.run(service.scaffold(r.id, "billing"))
    assert not [c for c in again.changes if c.kind == "create"]
    assert any("already exists" in n for n in again.notes)


def test_recipes_are_stored_and_remined_only_when_head_moves(repo: GitRepo) -> None:
    ws = Workspace(repo.root)
    ws.open()
    service = ws.service(RecipeService)
    first = service.recipes_blocking(ws.repos[0])
    import sqlite3
    with sqlite3.connect(ws.db_path) as conn:
        conn.execute("UPDATE recipes SET title = 'kept' WHERE id = ?", (first[0].id,))
    assert service.recipes_blocking(ws.repos[0])[0].title == "kept"  # served from the store
    recipe_repo.GitRepo.commit(repo, "Add the orders handler", {
        "src/app/handlers/orders.py": recipe_repo.handler("orders"),
        "tests/test_orders.py": recipe_repo.test_file("orders")})
    again = service.recipes_blocking(ws.repos[0])
    assert handler_recipe(again).support == 5
    assert all(r.title != "kept" for r in again)
