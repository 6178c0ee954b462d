"""Persisting the per-repository co-change calibration (table ``cochange_calibration``).

Runs after the git index has committed, on the indexing thread's connection: the
repository's history is replayed from the index (renames followed to current
names, only files present at HEAD ranked), the family of ``calibration.py`` is
scored, and the choice is stored. It is recomputed only when the history has grown
by 10 %, so ordinary commits cost one indexed lookup.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Container
from dataclasses import asdict

from mira.core.git.calibration import (
    Calibration,
    ReplayCommit,
    calibrate,
    needs_recalibration,
    params_from_json,
)
from mira.core.git.cochange import CochangeParams
from mira.core.git.history_store import PathNames
from mira.core.stores.database import Database, Priority

log = logging.getLogger(__name__)


def stored_params(conn: sqlite3.Connection, repo_id: int) -> tuple[CochangeParams, int] | None:
    """The persisted choice and the history size it was made on."""
    try:
        row = conn.execute("SELECT params, commits FROM cochange_calibration WHERE repo_id = ?",
                           (repo_id,)).fetchone()
    except sqlite3.Error:
        return None
    return (params_from_json(row[0]), int(row[1])) if row else None


def replay(conn: sqlite3.Connection, repo_id: int) -> list[ReplayCommit]:
    """Non-merge commits in time order, each with its files under their current names."""
    paths = {int(i): str(p) for i, p in conn.execute("SELECT id, path FROM paths")}
    forward = {int(old): int(new) for old, new in conn.execute(
        "SELECT fc.old_path_id, fc.path_id FROM commits c CROSS JOIN file_changes fc"
        " ON fc.commit_id = c.id WHERE c.repo_id = ? AND fc.status = 'R'"
        " ORDER BY c.author_time, c.id", (repo_id,))}
    names = PathNames(paths, forward)
    files: dict[int, list[str]] = {}
    for commit_id, path_id in conn.execute(
            "SELECT fc.commit_id, fc.path_id FROM commits c CROSS JOIN file_changes fc"
            " ON fc.commit_id = c.id WHERE c.repo_id = ? AND c.is_merge = 0", (repo_id,)):
        files.setdefault(int(commit_id), []).append(names.current(int(path_id)))
    return [ReplayCommit(int(when), int(n_files), tuple(dict.fromkeys(files.get(int(cid), ()))))
            for cid, when, n_files in conn.execute(
                "SELECT id, author_time, n_files FROM commits WHERE repo_id = ? AND is_merge = 0"
                " ORDER BY author_time, id", (repo_id,))]


def refresh(db: Database, repo_id: int, at_head: Container[str], *,
            force: bool = False) -> Calibration | None:
    """Recalibrate when the history grew by 10 % (or ``force``); None when unchanged.

    The replay reads on this thread's read connection; only the result is written,
    in one short transaction of the workspace's writer."""
    conn = db.read()
    [(count,)] = conn.execute(
        "SELECT COUNT(*) FROM commits WHERE repo_id = ? AND is_merge = 0", (repo_id,))
    previous = stored_params(conn, repo_id)
    if not force and not needs_recalibration(previous[1] if previous else None, int(count)):
        return None
    started = time.perf_counter()
    commits = replay(conn, repo_id)
    alive = {p for c in commits for p in c.paths if p in at_head}
    result = calibrate(commits, alive)

    def store(w: sqlite3.Connection) -> None:
        w.execute(
            "INSERT OR REPLACE INTO cochange_calibration (repo_id, commits, params, score,"
            " default_score, queries, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (repo_id, result.commits, json.dumps(asdict(result.params)), result.score,
             result.default_score, result.queries, time.time()))
        w.execute("UPDATE repositories SET generation = generation + 1 WHERE id = ?",
                  (repo_id,))
    db.write(store, Priority.GIT)
    log.info("co-change calibration of repository %s: MAP@10 %.3f (defaults %.3f) on %d"
             " queries, %.1f s", repo_id, result.score, result.default_score, result.queries,
             time.perf_counter() - started)
    return result
