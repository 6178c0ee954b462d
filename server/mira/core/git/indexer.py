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

import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pygit2

from mira.core.git.log_reader import iter_commits
from mira.core.git.records import CommitRecord

log = logging.getLogger(__name__)

BATCH_COMMITS = 2000
BATCH_SECONDS = 0.5  # readers see progress at least this often

ProgressFn = Callable[[int, int | None, str], None]  # done, total (None=unknown), message
CancelFn = Callable[[], bool]


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
    """Brings the stored history of one repository up to date with its HEAD."""

    def __init__(self, conn: sqlite3.Connection, root: Path) -> None:
        self.conn = conn
        self.root = root
        self.repo_id = ensure_repository(conn, root)
        self._authors: dict[str, int] = {}
        self._paths: dict[str, int] = {}

    # -- helpers -------------------------------------------------------------------------
    def _set_state(self, state: str, message: str | None = None, **extra: object) -> None:
        columns = ["state = ?", "message = ?"] + [f"{k} = ?" for k in extra]
        self.conn.execute(
            f"UPDATE repositories SET {', '.join(columns)} WHERE id = ?",
            (state, message, *extra.values(), self.repo_id),
        )

    def _author_id(self, name: str, email: str) -> int:
        key = (email or name).strip().lower()
        cached = self._authors.get(key)
        if cached is not None:
            return cached
        self.conn.execute(
            "INSERT INTO authors(email, name) VALUES (?, ?) "
            "ON CONFLICT(email) DO UPDATE SET name = excluded.name", (key, name)
        )
        author_id = int(self.conn.execute(
            "SELECT id FROM authors WHERE email = ?", (key,)).fetchone()[0])
        self._authors[key] = author_id
        return author_id

    def _path_id(self, path: str) -> int:
        cached = self._paths.get(path)
        if cached is not None:
            return cached
        self.conn.execute("INSERT OR IGNORE INTO paths(path) VALUES (?)", (path,))
        path_id = int(self.conn.execute(
            "SELECT id FROM paths WHERE path = ?", (path,)).fetchone()[0])
        self._paths[path] = path_id
        return path_id

    def _stored_oids(self) -> set[str]:
        return {row[0] for row in self.conn.execute(
            "SELECT oid FROM commits WHERE repo_id = ?", (self.repo_id,))}

    def _delete_commits(self, oids: Iterable[str]) -> int:
        oid_list = list(oids)
        removed = 0
        for start in range(0, len(oid_list), 500):
            part = oid_list[start:start + 500]
            marks = ",".join("?" * len(part))
            ids = [r[0] for r in self.conn.execute(
                f"SELECT id FROM commits WHERE repo_id = ? AND oid IN ({marks})",
                (self.repo_id, *part))]
            if not ids:
                continue
            id_marks = ",".join("?" * len(ids))
            self.conn.execute(f"DELETE FROM file_changes WHERE commit_id IN ({id_marks})", ids)
            self.conn.execute(f"DELETE FROM commits WHERE id IN ({id_marks})", ids)
            removed += len(ids)
        return removed

    def _store(self, commit: CommitRecord) -> None:
        author_id = self._author_id(commit.author_name, commit.author_email)
        cursor = self.conn.execute(
            "INSERT INTO commits(repo_id, oid, author_id, author_time, commit_time, subject,"
            " parents, is_merge, n_files) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.repo_id, commit.oid, author_id, commit.author_time, commit.commit_time,
             commit.subject, " ".join(commit.parents), int(commit.is_merge), len(commit.files)),
        )
        commit_id = cursor.lastrowid
        rows = []
        seen: set[int] = set()
        for change in commit.files:
            path_id = self._path_id(change.path)
            if path_id in seen:
                continue
            seen.add(path_id)
            old_id = self._path_id(change.old_path) if change.old_path else None
            rows.append((commit_id, path_id, change.status, change.added, change.deleted, old_id))
        self.conn.executemany(
            "INSERT INTO file_changes(commit_id, path_id, status, added, deleted, old_path_id)"
            " VALUES (?, ?, ?, ?, ?, ?)", rows)

    # -- the run -------------------------------------------------------------------------
    def run(self, progress: ProgressFn | None = None, cancelled: CancelFn | None = None
            ) -> IndexResult:
        started = time.perf_counter()
        report = progress or (lambda done, total, message: None)
        is_cancelled = cancelled or (lambda: False)
        repo = pygit2.Repository(str(self.root))
        row = self.conn.execute("SELECT head_oid, pending_oid FROM repositories WHERE id = ?",
                                (self.repo_id,)).fetchone()
        last, pending = row[0], row[1]
        if repo.head_is_unborn:
            self.conn.execute("BEGIN IMMEDIATE")
            removed = self._delete_commits(self._stored_oids())
            self._set_state("empty", "the repository has no commits yet", head_oid=None,
                            pending_oid=None, indexed_at=time.time())
            self._bump_generation()
            self.conn.execute("COMMIT")
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

        self.conn.execute("BEGIN IMMEDIATE")
        removed = self._delete_commits(stale)
        stored -= stale
        self._set_state("indexing", None, pending_oid=head)
        if removed:
            self._bump_generation()
        self.conn.execute("COMMIT")

        total = _count(repo, [head], hide=[last] if last and _exists(repo, last) else [])
        added = done = 0
        batch_started = time.monotonic()
        report(0, total, "reading history")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for commit in iter_commits(self.root, revisions):
                done += 1
                if commit.oid not in stored:
                    self._store(commit)
                    added += 1
                if done % BATCH_COMMITS == 0 or (
                        done % 50 == 0 and time.monotonic() - batch_started > BATCH_SECONDS):
                    batch_started = time.monotonic()
                    self._bump_generation()
                    self.conn.execute("COMMIT")
                    report(done, total, f"{done}/{total} commits")
                    if is_cancelled():
                        raise IndexCancelled
                    self.conn.execute("BEGIN IMMEDIATE")
            seconds = time.perf_counter() - started
            self._set_state("ready", None, head_oid=head, pending_oid=None,
                            indexed_at=time.time(), last_duration_s=seconds)
            self._bump_generation()
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        report(done, total, "done")
        return IndexResult(self.repo_id, head, added, removed, seconds, "ready")

    def _bump_generation(self) -> None:
        self.conn.execute(
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
