"""Incremental, resumable git history indexing into SQLite.

Invariants:
- ``repositories.head_oid`` is written only after every commit reachable from it
  is stored, so a run killed at any moment restarts from the last complete HEAD
  and skips the commits it already stored (no duplicates: UNIQUE(repo_id, oid)).
- After a run, the stored commits are exactly those reachable from HEAD: on a
  rewrite (rebase, reset, branch switch) commits reachable only from the old
  HEAD, or from an interrupted run's target, are deleted; only new ones are read.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pygit2

from mira.core.git.log_reader import iter_commits
from mira.core.git.records import CommitRecord
from mira.core.processes import stream_from_child
from mira.core.stores.database import Database, Priority
from mira.core.stores.sql import in_lists

log = logging.getLogger(__name__)

BATCH_COMMITS = 150  # short write transactions: 500 held the writer up to 360 ms on pytest
BATCH_SECONDS = 0.5  # readers see progress at least this often
CHILD_MIN_COMMITS = 500  # from this many new commits on, the log is parsed in a child

ProgressFn = Callable[[int, int | None, str], None]  # done, total (None=unknown), message
CancelFn = Callable[[], bool]
T = TypeVar("T")


class IndexCancelled(Exception):
    pass


@dataclass
class IndexResult:
    repo_id: int
    head: str | None
    added: int
    removed: int
    seconds: float
    state: str
    message: str | None = None


def ensure_repository(conn: sqlite3.Connection, root: Path) -> int:
    conn.execute("INSERT OR IGNORE INTO repositories(root) VALUES (?)", (str(root),))
    row = conn.execute("SELECT id FROM repositories WHERE root = ?", (str(root),)).fetchone()
    return int(row[0])


class GitIndexer:
    """Brings the stored history of one repository up to date with its HEAD.

    Reads come from the database's read connection; every write is a short batch
    handed to the workspace's single writer (``Database.write``), so the git log is
    parsed while no write lock is held.
    """

    def __init__(self, db: Database, root: Path) -> None:
        self.db = db
        self.root = root
        self.repo_id = db.write(lambda conn: ensure_repository(conn, root), Priority.GIT)
        self._authors: dict[str, int] = {}
        self._paths: dict[str, int] = {}

    # -- helpers (called inside a write) -------------------------------------------------
    def _set_state(self, conn: sqlite3.Connection, state: str, message: str | None = None,
                   **extra: object) -> None:
        columns = ["state = ?", "message = ?"] + [f"{k} = ?" for k in extra]
        conn.execute(
            f"UPDATE repositories SET {', '.join(columns)} WHERE id = ?",
            (state, message, *extra.values(), self.repo_id),
        )

    def _author_id(self, conn: sqlite3.Connection, name: str, email: str) -> int:
        key = (email or name).strip().lower()
        cached = self._authors.get(key)
        if cached is not None:
            return cached
        conn.execute(
            "INSERT INTO authors(email, name) VALUES (?, ?) "
            "ON CONFLICT(email) DO UPDATE SET name = excluded.name", (key, name)
        )
        author_id = int(conn.execute(
            "SELECT id FROM authors WHERE email = ?", (key,)).fetchone()[0])
        self._authors[key] = author_id
        return author_id

    def _path_id(self, conn: sqlite3.Connection, path: str) -> int:
        cached = self._paths.get(path)
        if cached is not None:
            return cached
        conn.execute("INSERT OR IGNORE INTO paths(path) VALUES (?)", (path,))
        path_id = int(conn.execute(
            "SELECT id FROM paths WHERE path = ?", (path,)).fetchone()[0])
        self._paths[path] = path_id
        return path_id

    def _stored_oids(self) -> set[str]:
        return {row[0] for row in self.db.read().execute(
            "SELECT oid FROM commits WHERE repo_id = ?", (self.repo_id,))}

    def _delete_commits(self, conn: sqlite3.Connection, oids: Iterable[str]) -> int:
        oid_list = list(oids)
        removed = 0
        for part, marks in in_lists(oid_list):
            ids = [r[0] for r in conn.execute(
                f"SELECT id FROM commits WHERE repo_id = ? AND oid IN ({marks})",
                (self.repo_id, *part))]
            if not ids:
                continue
            id_marks = ",".join("?" * len(ids))
            conn.execute(f"DELETE FROM file_changes WHERE commit_id IN ({id_marks})", ids)
            conn.execute(f"DELETE FROM commits WHERE id IN ({id_marks})", ids)
            removed += len(ids)
        return removed

    def _store(self, conn: sqlite3.Connection, commit: CommitRecord) -> None:
        author_id = self._author_id(conn, commit.author_name, commit.author_email)
        cursor = conn.execute(
            "INSERT INTO commits(repo_id, oid, author_id, author_time, commit_time, subject,"
            " parents, is_merge, n_files) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.repo_id, commit.oid, author_id, commit.author_time, commit.commit_time,
             commit.subject, " ".join(commit.parents), int(commit.is_merge), len(commit.files)),
        )
        commit_id = cursor.lastrowid
        rows = []
        seen: set[int] = set()
        for change in commit.files:
            path_id = self._path_id(conn, change.path)
            if path_id in seen:
                continue
            seen.add(path_id)
            old_id = self._path_id(conn, change.old_path) if change.old_path else None
            rows.append((commit_id, path_id, change.status, change.added, change.deleted, old_id))
        conn.executemany(
            "INSERT INTO file_changes(commit_id, path_id, status, added, deleted, old_path_id)"
            " VALUES (?, ?, ?, ?, ?, ?)", rows)

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """One write batch; ids cached during a batch that rolled back are forgotten."""
        def batch(conn: sqlite3.Connection) -> T:
            try:
                return fn(conn)
            except BaseException:
                self._authors.clear()
                self._paths.clear()
                raise
        return self.db.write(batch, Priority.GIT)

    # -- the run -------------------------------------------------------------------------
    def run(self, progress: ProgressFn | None = None, cancelled: CancelFn | None = None
            ) -> IndexResult:
        started = time.perf_counter()
        report = progress or (lambda done, total, message: None)
        is_cancelled = cancelled or (lambda: False)
        repo = pygit2.Repository(str(self.root))
        row = self.db.read().execute(
            "SELECT head_oid, pending_oid FROM repositories WHERE id = ?",
            (self.repo_id,)).fetchone()
        last, pending = row[0], row[1]
        if repo.head_is_unborn:
            def empty(conn: sqlite3.Connection) -> int:
                removed = self._delete_commits(conn, self._stored_oids())
                self._set_state(conn, "empty", "the repository has no commits yet",
                                head_oid=None, pending_oid=None, indexed_at=time.time())
                self._bump_generation(conn)
                return removed
            removed = self._write(empty)
            return IndexResult(self.repo_id, None, 0, removed, time.perf_counter() - started,
                               "empty", "the repository has no commits yet")
        head = str(repo.head.target)
        if head == last:
            return IndexResult(self.repo_id, head, 0, 0, time.perf_counter() - started, "ready")

        fast_forward = (last is not None and pending is None and _exists(repo, last)
                        and repo.descendant_of(head, last))
        # After a clean run, a fast-forward cannot meet a stored commit: skip loading them.
        stored = set() if fast_forward else self._stored_oids()
        # Commits no longer reachable: from the last complete HEAD and from an interrupted
        # run's target (kept in pending_oid while a run is in flight).
        stale_tips = [t for t in (last, pending) if t and t != head and _exists(repo, t)]
        if fast_forward:
            stale = set()
        elif stale_tips or (last and not _exists(repo, last)):
            if last and _exists(repo, last):
                stale = _walk(repo, stale_tips, hide=[head])
            else:  # the old HEAD is gone (gc'd): compare with everything reachable
                stale = stored - _walk(repo, [head], hide=[])
            stale &= stored
        else:
            stale = set()
        revisions = [head] + ([f"^{last}"] if last and _exists(repo, last) else [])

        def begin(conn: sqlite3.Connection) -> int:
            removed = self._delete_commits(conn, stale)
            self._set_state(conn, "indexing", None, pending_oid=head)
            if removed:
                self._bump_generation(conn)
            return removed
        removed = self._write(begin)
        stored -= stale

        total = _count(repo, [head], hide=[last] if last and _exists(repo, last) else [])
        added = done = 0
        batch: list[CommitRecord] = []
        batch_started = time.monotonic()
        report(0, total, "reading history")

        def store(records: list[CommitRecord]) -> Callable[[sqlite3.Connection], None]:
            def write(conn: sqlite3.Connection) -> None:
                for record in records:
                    self._store(conn, record)
                self._bump_generation(conn)
            return write

        # a long log is parsed in a child process, off the GIL of the threads answering
        # hovers; a few new commits are parsed here (starting a child takes ~0.4 s, and a
        # new commit must show in co-change at once)
        commits = stream_from_child(iter_commits, self.root, revisions) \
            if total >= CHILD_MIN_COMMITS else iter_commits(self.root, revisions)
        with contextlib.closing(commits):  # cancelled or failed: the child is stopped
            for commit in commits:
                done += 1
                if commit.oid not in stored:
                    batch.append(commit)
                    added += 1
                if len(batch) >= BATCH_COMMITS or (
                        done % 50 == 0 and time.monotonic() - batch_started > BATCH_SECONDS):
                    self._write(store(batch))
                    batch = []
                    batch_started = time.monotonic()
                    report(done, total, f"{done}/{total} commits")
                    if is_cancelled():
                        raise IndexCancelled
        seconds = time.perf_counter() - started

        def finish(conn: sqlite3.Connection) -> None:
            store(batch)(conn)
            self._set_state(conn, "ready", None, head_oid=head, pending_oid=None,
                            indexed_at=time.time(), last_duration_s=seconds)
        self._write(finish)
        report(done, total, "done")
        return IndexResult(self.repo_id, head, added, removed, seconds, "ready")

    def _bump_generation(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "UPDATE repositories SET generation = generation + 1 WHERE id = ?", (self.repo_id,))


def _exists(repo: pygit2.Repository, oid: str) -> bool:
    try:
        return repo.get(oid) is not None
    except (ValueError, KeyError):
        return False


def _walker(repo: pygit2.Repository, tips: list[str], hide: list[str]) -> pygit2.Walker:
    walker = repo.walk(tips[0], pygit2.enums.SortMode.NONE)
    for tip in tips[1:]:
        walker.push(tip)
    for oid in hide:
        walker.hide(oid)
    return walker


def _walk(repo: pygit2.Repository, tips: list[str], hide: list[str]) -> set[str]:
    return {str(c.id) for c in _walker(repo, tips, hide)}


def _count(repo: pygit2.Repository, tips: list[str], hide: list[str]) -> int:
    return sum(1 for _ in _walker(repo, tips, hide))
