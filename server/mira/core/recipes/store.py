"""Recipes, their versions and executions in SQLite (migration 0014)."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from mira.core.recipes.model import Recipe


def _body(r: Recipe) -> str:
    d = r.to_dict()
    for k in ("id", "title", "support", "last_used", "version", "retired"):
        d.pop(k)
    return json.dumps(d)


def _recipe(row: sqlite3.Row | tuple[Any, ...]) -> Recipe:
    rid, version, title, support, last_used, body, retired = row
    d = json.loads(body)
    d.update(id=rid, version=version, title=title, support=support, last_used=last_used,
             retired=bool(retired))
    return Recipe.from_dict(d)


_COLUMNS = "id, version, title, support, last_used, body, retired"


def load(conn: sqlite3.Connection, repo: str) -> list[Recipe]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM recipes WHERE repo_root = ?"
                        " ORDER BY support DESC, id", (repo,))
    return [_recipe(r) for r in rows]


def mined_head(conn: sqlite3.Connection, repo: str) -> str | None:
    row = conn.execute("SELECT head_oid FROM recipe_mining WHERE repo_root = ?",
                       (repo,)).fetchone()
    return row[0] if row else None


def mined_at(conn: sqlite3.Connection, repo: str) -> float | None:
    row = conn.execute("SELECT mined_at FROM recipe_mining WHERE repo_root = ?",
                       (repo,)).fetchone()
    return float(row[0]) if row else None


def replace_mined(conn: sqlite3.Connection, repo: str, head: str | None, commits: int,
                  recipes: list[Recipe]) -> None:
    """Store a fresh mining run. A recipe keeps its retirement and its newer refined
    versions (source ``model``/``user``) when mining finds it again."""
    old = {r.id: r for r in load(conn, repo)}
    conn.execute("DELETE FROM recipes WHERE repo_root = ?", (repo,))
    now = time.time()
    for r in recipes:
        prev = old.get(r.id)
        if prev is not None and prev.version > 1:
            refined = prev
            refined.support, refined.last_used, refined.examples = (
                r.support, r.last_used, r.examples)
            r = refined
        elif prev is not None:
            r.retired = prev.retired
        conn.execute(f"INSERT INTO recipes(repo_root, {_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
                     (repo, r.id, r.version, r.title, r.support, r.last_used, _body(r),
                      int(r.retired)))
        conn.execute("INSERT OR IGNORE INTO recipe_versions(repo_root, id, version, body, source,"
                     " created_at) VALUES (?,?,1,?, 'mined', ?)", (repo, r.id, _body(r), now))
    conn.execute("INSERT OR REPLACE INTO recipe_mining(repo_root, head_oid, mined_at, commits)"
                 " VALUES (?,?,?,?)", (repo, head, now, commits))


def save_version(conn: sqlite3.Connection, repo: str, recipe: Recipe, source: str,
                 note: str | None) -> Recipe:
    """Store ``recipe`` as the next version (the evolution history) and make it current."""
    row = conn.execute("SELECT MAX(version) FROM recipe_versions WHERE repo_root = ? AND id = ?",
                       (repo, recipe.id)).fetchone()
    recipe.version = int(row[0] or 0) + 1
    conn.execute("INSERT INTO recipe_versions(repo_root, id, version, body, source, note,"
                 " created_at) VALUES (?,?,?,?,?,?,?)",
                 (repo, recipe.id, recipe.version, _body(recipe), source, note, time.time()))
    conn.execute("UPDATE recipes SET version = ?, body = ?, title = ? WHERE repo_root = ?"
                 " AND id = ?", (recipe.version, _body(recipe), recipe.title, repo, recipe.id))
    return recipe


def versions(conn: sqlite3.Connection, repo: str, rid: str) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT version, source, note, created_at FROM recipe_versions"
                        " WHERE repo_root = ? AND id = ? ORDER BY version", (repo, rid))
    return [{"version": v, "source": s, "note": n, "createdAt": t} for v, s, n, t in rows]


def set_retired(conn: sqlite3.Connection, repo: str, rid: str, retired: bool) -> None:
    conn.execute("UPDATE recipes SET retired = ? WHERE repo_root = ? AND id = ?",
                 (int(retired), repo, rid))


@dataclass
class Execution:
    id: int
    recipe_id: str
    version: int
    name: str
    created_at: float
    applied: bool
    files: dict[str, str]
    head_oid: str | None
    commits_since: int | None
    present: float | None
    edited: float | None


def record_execution(conn: sqlite3.Connection, repo: str, rid: str, version: int, name: str,
                     files: dict[str, str], applied: bool, head: str | None) -> int:
    cur = conn.execute(
        "INSERT INTO recipe_executions(repo_root, recipe_id, version, name, created_at, applied,"
        " files, head_oid) VALUES (?,?,?,?,?,?,?,?)",
        (repo, rid, version, name, time.time(), int(applied), json.dumps(files), head))
    return int(cur.lastrowid or 0)


def executions(conn: sqlite3.Connection, repo: str, rid: str | None = None) -> list[Execution]:
    sql = ("SELECT id, recipe_id, version, name, created_at, applied, files, head_oid,"
           " commits_since, present, edited FROM recipe_executions WHERE repo_root = ?")
    args: tuple[Any, ...] = (repo,)
    if rid is not None:
        sql += " AND recipe_id = ?"
        args += (rid,)
    return [Execution(i, r, v, n, t, bool(a), json.loads(f), h, c, p, e)
            for i, r, v, n, t, a, f, h, c, p, e in conn.execute(sql + " ORDER BY id", args)]


def update_check(conn: sqlite3.Connection, eid: int, commits_since: int, present: float,
                 edited: float) -> None:
    conn.execute("UPDATE recipe_executions SET checked_at = ?, commits_since = ?, present = ?,"
                 " edited = ? WHERE id = ?", (time.time(), commits_since, present, edited, eid))
