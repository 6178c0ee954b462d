"""Mining fix commits from git: bodies, files, hunks, incremental runs, rewrites, secrets."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from mira.core.build.history import mine
from mira.core.stores.database import Database
from tests.support.gitrepo import GitRepo


def rows(conn: sqlite3.Connection) -> dict[str, tuple[str, str, list[str], str, int]]:
    return {r[0]: (r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in conn.execute(
        "SELECT oid, subject, body, files, diff, fix_like FROM fix_commits")}


def test_mine_incrementally_with_bodies_and_hunks(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("init", {"a.py": "x = 1\n"})
    fix = repo.commit("Handle empty input\n\nFixes TypeError: 'NoneType' object is not"
                      " iterable in parse()", {"a.py": "x = 2\n", ".env": "TOKEN=hunter2\n"})
    db = Database(tmp_path / "db.sqlite").open()
    conn = db.read()
    assert mine(db, repo.root) == 2
    subject, body, files, diff, fix_like = rows(conn)[fix]
    assert subject == "Handle empty input" and "TypeError" in body and fix_like == 1
    assert sorted(files) == [".env", "a.py"]
    assert "+x = 2" in diff and "hunter2" not in diff  # secrets are never stored
    assert mine(db, repo.root) == 0  # nothing new
    third = repo.commit("add docs", {"README.md": "hi\n"})
    assert mine(db, repo.root) == 1 and rows(conn)[third][4] == 0

    # history rewritten (reset + different commit): mined again from scratch
    repo.git("reset", "-q", "--hard", fix)
    other = repo.commit("bug: wrong value", {"a.py": "x = 3\n"})
    assert mine(db, repo.root) == 3
    assert set(rows(conn)) == {repo.git("rev-list", "--max-parents=0", "HEAD").strip(), fix,
                               other}
    db.close()
