"""Executions are tracked and a recipe whose scaffolds do not survive is retired."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mira.core.recipes.effectiveness import SETTLE_COMMITS
from mira.core.recipes.service import RecipeService
from mira.core.workspace import Workspace
from tests.support import recipe_repo


def test_kept_scaffolds_score_high_and_discarded_ones_retire_the_recipe(tmp_path: Path) -> None:
    repo = recipe_repo.build(tmp_path / "repo")
    ws = Workspace(repo.root)
    ws.open()
    service = ws.service(RecipeService)
    recipe = next(r for r in service.recipes_blocking(ws.repos[0])
                  if "src/app/handlers/{{snake}}.py" in r.files)

    async def scaffold_and_record(name: str, applied: bool, keep: bool) -> None:
        result = await service.scaffold(recipe.id, name)
        if applied:
            for c in result.changes:
                if c.kind == "create" and keep:
                    repo.write(c.path, c.content or "")
        await service.record(result, applied)

    def stats() -> dict[str, object]:
        [r] = [x for x in service.recipes_blocking(ws.repos[0], include_retired=True)
               if x.id == recipe.id]
        return r.stats | {"retired": r.retired}

    asyncio.run(scaffold_and_record("kept_one", applied=True, keep=True))
    # applied, but judged only SETTLE_COMMITS commits later: pending until then
    assert stats() == {"effectiveness": None, "executions": 0, "applied": 1, "pending": 1,
                       "retired": False}
    (repo.root / "tests/test_kept_one.py").write_text("rewritten\n")  # edited afterwards
    for i in range(SETTLE_COMMITS - 1):
        repo.commit(f"unrelated {i}", {"notes.txt": f"{i}\n"})
    assert stats()["pending"] == 1
    repo.commit("unrelated, the last one", {"notes.txt": "last\n"})
    # still present N commits later, half of the files edited
    assert stats() == {"effectiveness": 0.75, "executions": 1, "applied": 1, "pending": 0,
                       "retired": False}
    (repo.root / "tests/test_kept_one.py").unlink()  # later changes do not move a judged one
    assert stats()["effectiveness"] == 0.75

    asyncio.run(scaffold_and_record("dropped", applied=True, keep=False))  # pending
    asyncio.run(scaffold_and_record("declined_a", applied=False, keep=False))
    asyncio.run(scaffold_and_record("declined_b", applied=False, keep=False))  # judged at once
    visible = service.recipes_blocking(ws.repos[0])
    assert recipe.id not in {x.id for x in visible}  # retired: no longer offered
    assert stats() == {"effectiveness": 0.25, "executions": 3, "applied": 2, "pending": 1,
                       "retired": True}


def test_mined_recipes_survive_a_database_held_by_another_writer(tmp_path: Path) -> None:
    """A long write by another process holds the lock past the busy timeout: the mined
    recipes are written once it lets go instead of being lost (seen on pytest's history)."""
    import sqlite3
    import threading
    import time

    repo = recipe_repo.build(tmp_path / "repo")
    ws = Workspace(repo.root)
    ws.open()
    service = ws.service(RecipeService)
    held, released = threading.Event(), threading.Event()

    def other_writer() -> None:
        conn = sqlite3.connect(ws.db.path, timeout=0.1)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(2.0)  # longer than the writer's own busy wait
        conn.execute("COMMIT")
        conn.close()
        released.set()

    blocker = threading.Thread(target=other_writer)
    blocker.start()
    assert held.wait(10)
    found = service.recipes_blocking(ws.repos[0])
    blocker.join()
    assert released.is_set() and any("src/app/handlers/{{snake}}.py" in r.files for r in found)
