"""Read side of the git index: consistent snapshots for co-change queries.

Readers run on a few aiosqlite connections of their own (``READERS``): a slow read
(a status count, an expertise history) never holds up a co-change query queued behind
it. Each query runs inside one read transaction, so it sees a single committed state
even while the indexer writes. Results are cached per repository *generation* (bumped
by every index commit), which keeps repeated CodeLens/hover queries well under a
millisecond; the path-name map is *extended* per generation (a running index bumps it
every half second), not reloaded.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import typing
from collections import OrderedDict
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from mira.core.git.calibration import params_from_json
from mira.core.git.cochange import CochangeParams, QueryCommit, Suggestion, rank
from mira.core.git.evidence import NameIndex
from mira.core.git.structure import module_index, structural_partners
from mira.core.stores.database import BUSY_TIMEOUT_MS
from mira.core.stores.sql import in_lists

_CHUNK = 900
_MODULES_TTL_S = 30.0
MAX_RENAME_HOPS = 32
READERS = 3  # concurrent read transactions (each its own connection and thread)


@dataclass(frozen=True)
class RepoState:
    repo_id: int
    root: str
    head_oid: str | None
    state: str
    message: str | None
    indexed_at: float | None
    last_duration_s: float | None
    generation: int
    commits: int


class HistoryReader:
    """Async read access to the history index of one workspace database."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._idle: list[aiosqlite.Connection] = []
        self._open: list[aiosqlite.Connection] = []
        self._slots: asyncio.Semaphore | None = None
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_size = 512
        self._names: dict[int, tuple[int, PathNames]] = {}  # repository -> newest name map

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.db_path, isolation_level=None)
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA query_only=ON")
        self._open.append(conn)
        return conn

    async def close(self) -> None:
        conns, self._open, self._idle = self._open, [], []
        for conn in conns:
            await conn.close()

    @asynccontextmanager
    async def snapshot(self) -> Any:
        """One read transaction: every query inside sees the same committed state."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(READERS)
        async with self._slots:
            conn = self._idle.pop() if self._idle else await self._connect()
            try:
                if conn.in_transaction:  # left open by a caller cancelled mid-BEGIN
                    await conn.execute("ROLLBACK")
                await conn.execute("BEGIN")
                try:
                    yield conn
                finally:
                    if conn.in_transaction:
                        # a read transaction: ending it must survive the caller's cancellation
                        await asyncio.shield(conn.execute("ROLLBACK"))
            finally:
                if conn in self._open:  # not closed meanwhile
                    self._idle.append(conn)

    # -- cache -----------------------------------------------------------------------
    def _cached(self, key: tuple[Any, ...]) -> Any:
        value = self._cache.get(key)
        if value is not None:
            self._cache.move_to_end(key)
        return value

    def _store(self, key: tuple[Any, ...], value: Any) -> Any:
        self._cache[key] = value
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return value

    # -- queries ---------------------------------------------------------------------
    async def repo_state(self, root: Path) -> RepoState | None:
        async with self.snapshot() as conn:
            return await _repo_state(conn, str(root))

    async def head_oid(self, root: Path) -> str:
        """The last fully indexed HEAD ('' when none): a cheap cache key for callers."""
        async with self.snapshot() as conn:
            rows = list(await conn.execute_fetchall(
                "SELECT head_oid FROM repositories WHERE root = ?", (str(root),)))
        return str(rows[0][0] or "") if rows else ""

    async def all_repo_states(self) -> list[RepoState]:
        async with self.snapshot() as conn:
            rows = await conn.execute_fetchall("SELECT root FROM repositories ORDER BY root")
            states = [await _repo_state(conn, row[0]) for row in rows]
        return [s for s in states if s is not None]

    async def cochange(self, root: Path, path: str, *, limit: int = 10,
                       params: CochangeParams | None = None,
                       exists: Callable[[str], bool] | None = None,
                       names: NameIndex | None = None, code_prefix: str | None = None
                       ) -> list[Suggestion]:
        """Partners of ``path`` (repository-relative), current names only.

        ``params`` default to the repository's calibration. ``names`` (the files at
        HEAD) adds naming-convention partners; ``code_prefix`` (the repository's folder
        inside the workspace, "" for the workspace itself) adds structural ones from
        the code index."""
        async with self.snapshot() as conn:
            rows = list(await conn.execute_fetchall(
                "SELECT id, generation FROM repositories WHERE root = ?", (str(root),)))
            if not rows:
                return []
            repo_id, generation = int(rows[0][0]), int(rows[0][1])
            params = params or await self.calibrated_params(conn, repo_id, generation)
            key = ("cochange", repo_id, generation, path, limit, params, names is not None,
                   code_prefix)
            hit = self._cached(key)
            if hit is None:
                names_ = await self.path_names(conn, repo_id, generation)
                history = await _query_history(conn, repo_id, path, params, names_)
                structural = {} if code_prefix is None else await self._structural(
                    conn, repo_id, generation, path, code_prefix)
                now = max((c.time for c in history), default=0)
                named = names.partners(path) if names is not None else {}
                hit = self._store(key, tuple(rank(
                    history, now=now, params=params, limit=limit, exclude={path},
                    accept=exists, query=path, named=named, structural=structural)))
        shown_at = int(time.time())
        return [s.described(shown_at) for s in hit]

    async def calibrated_params(self, conn: aiosqlite.Connection, repo_id: int,
                                generation: int) -> CochangeParams:
        """The repository's calibrated parameters (the defaults before the first one)."""
        key = ("calibration", repo_id, generation)
        hit = self._cached(key)
        if hit is not None:
            return typing.cast(CochangeParams, hit)
        try:
            rows = list(await conn.execute_fetchall(
                "SELECT params FROM cochange_calibration WHERE repo_id = ?", (repo_id,)))
        except sqlite3.Error:  # an older database, before its migration
            rows = []
        params = params_from_json(rows[0][0]) if rows else CochangeParams()
        return typing.cast(CochangeParams, self._store(key, params))

    async def _structural(self, conn: aiosqlite.Connection, repo_id: int, generation: int,
                          path: str, prefix: str) -> dict[str, str]:
        """Structural partners under repository-relative names (the code index is
        workspace-relative). Its module map is cached with the git generation and
        refreshed at most every ``_MODULES_TTL_S`` (the code index moves on its own)."""
        key = ("modules", repo_id)
        cached = self._cached(key)
        if cached is None or time.monotonic() - cached[0] > _MODULES_TTL_S:
            cached = self._store(key, (time.monotonic(), await module_index(conn)))
        found = await structural_partners(conn, prefix + path, cached[1])
        return {other[len(prefix):]: how for other, how in found.items()
                if other.startswith(prefix)}

    async def path_names(self, conn: aiosqlite.Connection, repo_id: int, generation: int
                         ) -> PathNames:
        """Path ids -> current names (renames followed forward), once per generation.

        A new generation extends the previous map with the paths and renames stored since
        (a running index bumps the generation every half second; reloading every path and
        rename each time was most of a co-change query's cost then). When commits were
        deleted (a rewrite), the map is rebuilt."""
        latest = self._names.get(repo_id)
        if latest is not None and latest[0] >= generation:
            return latest[1]  # (a read at an older generation: a superset of its names)
        [(count, newest)] = await conn.execute_fetchall(
            "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM commits WHERE repo_id = ?", (repo_id,))
        previous = latest[1] if latest is not None else None
        names = previous.copy() if previous is not None else PathNames({}, {})
        if previous is not None:
            # nothing deleted: the old commits are all there (count) and the newest of them
            # is the same commit (ids of deleted rows can be reused)
            [(added, newest_oid)] = await conn.execute_fetchall(
                "SELECT (SELECT COUNT(*) FROM commits WHERE repo_id = ? AND id > ?),"
                " (SELECT oid FROM commits WHERE id = ?)",
                (repo_id, previous.newest_commit, previous.newest_commit))
            if previous.commits + int(added) != int(count) or (
                    newest_oid != previous.newest_oid):
                names = PathNames({}, {})
        for path_id, path in await conn.execute_fetchall(
                "SELECT id, path FROM paths WHERE id > ?", (names.newest_path,)):
            names.add(int(path_id), str(path))
        for old, new, when, commit_id in await conn.execute_fetchall(
                "SELECT fc.old_path_id, fc.path_id, c.author_time, c.id FROM commits c"
                " CROSS JOIN file_changes fc ON fc.commit_id = c.id"
                " WHERE c.repo_id = ? AND c.id > ? AND fc.status = 'R'",
                (repo_id, names.newest_commit)):
            names.rename(int(old), int(new), (int(when), int(commit_id)))
        [(names.newest_oid,)] = await conn.execute_fetchall(
            "SELECT (SELECT oid FROM commits WHERE id = ?)", (int(newest),))
        names.commits, names.newest_commit = int(count), int(newest)
        # only the newest map is kept (one per generation in the cache held ~3 MB each on
        # pytest, a few dozen of them after a git index that readers followed)
        self._names[repo_id] = (generation, names)
        return names


class PathNames:
    """Interned path ids of a repository and where each was renamed to.

    ``forward`` keeps the latest rename of each path by (author time, commit id): the
    same answer whatever order the renames were read in, so the map can be extended
    batch by batch while an index runs (``HistoryReader.path_names``)."""

    def __init__(self, paths: dict[int, str], forward: dict[int, int]) -> None:
        self.paths = paths
        self.forward = forward
        self._renamed_at: dict[int, tuple[int, int]] = {}
        self._current: dict[int, str] = {}
        self.ids = {p: i for i, p in paths.items()}
        self.commits = 0  # commits of the repository when last extended
        self.newest_commit = 0  # their highest id
        self.newest_oid: str | None = None  # and that commit's oid
        self._newest_path = max(paths, default=0)

    @property
    def newest_path(self) -> int:
        return self._newest_path

    def copy(self) -> PathNames:
        """A map to extend for a newer generation (this one stays as it was)."""
        other = PathNames({}, {})
        other.paths, other.forward, other.ids = dict(self.paths), dict(self.forward), dict(
            self.ids)
        other._renamed_at, other._current = dict(self._renamed_at), dict(self._current)
        other.commits, other.newest_commit = self.commits, self.newest_commit
        other.newest_oid = self.newest_oid
        other._newest_path = self._newest_path
        return other

    def add(self, path_id: int, path: str) -> None:
        self.paths[path_id] = path
        self.ids[path] = path_id
        self._newest_path = max(self._newest_path, path_id)

    def rename(self, old: int, new: int, at: tuple[int, int]) -> None:
        if at >= self._renamed_at.get(old, (-1, -1)):
            self._renamed_at[old] = at
            self.forward[old] = new
            self._current = {}  # a rename can change any chain's end

    def current(self, path_id: int) -> str:
        name = self._current.get(path_id)
        if name is None:
            seen = {path_id}
            target = path_id
            while target in self.forward and len(seen) <= MAX_RENAME_HOPS:
                target = self.forward[target]
                if target in seen:
                    break
                seen.add(target)
            name = self._current[path_id] = self.paths.get(target, "")
        return name


async def _repo_state(conn: aiosqlite.Connection, root: str) -> RepoState | None:
    rows = list(await conn.execute_fetchall(
        "SELECT id, root, head_oid, state, message, indexed_at, last_duration_s, generation"
        " FROM repositories WHERE root = ?", (root,)))
    if not rows:
        return None
    row = rows[0]
    [(count,)] = await conn.execute_fetchall(
        "SELECT COUNT(*) FROM commits WHERE repo_id = ?", (row[0],))
    return RepoState(int(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], int(row[7]),
                     int(count))


async def lineage(conn: aiosqlite.Connection, repo_id: int, path: str, names: PathNames
                   ) -> list[tuple[int, int | None]]:
    """(path id, only-before time) for the file and each of its earlier names."""
    path_id = names.ids.get(path)
    if path_id is None:
        return []
    lineage: list[tuple[int, int | None]] = [(path_id, None)]
    seen = {lineage[0][0]}
    frontier = [lineage[0]]
    while frontier and len(lineage) < MAX_RENAME_HOPS:
        path_id, before = frontier.pop()
        olds = await conn.execute_fetchall(
            "SELECT fc.old_path_id, c.author_time FROM file_changes fc"
            " CROSS JOIN commits c ON c.id = fc.commit_id"
            " WHERE fc.path_id = ? AND fc.status = 'R' AND c.repo_id = ?"
            + (" AND c.author_time <= ?" if before is not None else ""),
            (path_id, repo_id, *(() if before is None else (before,))))
        for old_id, when in olds:
            if old_id not in seen:
                seen.add(old_id)
                lineage.append((int(old_id), int(when)))
                frontier.append((int(old_id), int(when)))
    return lineage


async def _query_history(conn: aiosqlite.Connection, repo_id: int, path: str,
                         params: CochangeParams, names: PathNames) -> list[QueryCommit]:
    commits: dict[int, tuple[int, int]] = {}
    lineage_ids = await lineage(conn, repo_id, path, names)
    for path_id, before in lineage_ids:
        sql = ("SELECT c.id, c.author_time, c.n_files FROM file_changes fc"
               " CROSS JOIN commits c ON c.id = fc.commit_id"
               " WHERE fc.path_id = ? AND c.repo_id = ? AND c.is_merge = 0")
        args: tuple[Any, ...] = (path_id, repo_id)
        if before is not None:
            sql += " AND c.author_time <= ?"
            args += (before,)
        for commit_id, when, n_files in await conn.execute_fetchall(sql, args):
            commits[int(commit_id)] = (int(when), int(n_files))
    wanted = [cid for cid, (_, n) in commits.items() if n <= params.max_changeset]
    own_ids = {path_id for path_id, _ in lineage_ids}
    partners: dict[int, set[str]] = {cid: set() for cid in wanted}
    for part, marks in in_lists(wanted, _CHUNK):
        rows = await conn.execute_fetchall(
            f"SELECT commit_id, path_id FROM file_changes WHERE commit_id IN ({marks})", part)
        for commit_id, partner_id in rows:
            if partner_id not in own_ids:
                partners[commit_id].add(names.current(partner_id))
    own = names.current(lineage_ids[0][0]) if lineage_ids else path
    history: list[QueryCommit] = []
    for commit_id, (when, n_files) in commits.items():
        found = partners.get(commit_id, set())
        found.discard(own)
        found.discard(path)
        history.append(QueryCommit(when, n_files, tuple(sorted(found))))
    return history



# -- authorship: the queries behind expertise (git's tables are read here, not elsewhere) ----

async def repo_generation(conn: aiosqlite.Connection, root: Path) -> tuple[int, int] | None:
    """(repository id, generation) of an indexed repository, or None."""
    rows = list(await conn.execute_fetchall(
        "SELECT id, generation FROM repositories WHERE root = ?", (str(root),)))
    return (int(rows[0][0]), int(rows[0][1])) if rows else None


async def file_authorship(conn: aiosqlite.Connection, repo_id: int, path_id: int,
                          before: int | None) -> list[tuple[str, str, int, int]]:
    """(email, name, author time, changed lines) of the non-merge commits that changed the
    path (up to ``before``, when the path was renamed from another)."""
    return [(str(e), str(n), int(t), int(k)) for e, n, t, k in await conn.execute_fetchall(
        "SELECT a.email, a.name, c.author_time, COALESCE(fc.added, 0) +"
        " COALESCE(fc.deleted, 0) FROM file_changes fc"
        " CROSS JOIN commits c ON c.id = fc.commit_id"
        " JOIN authors a ON a.id = c.author_id"
        " WHERE fc.path_id = ? AND c.repo_id = ? AND c.is_merge = 0"
        " AND c.author_time <= ?", (path_id, repo_id, before or 2**62))]


async def directory_authorship(conn: aiosqlite.Connection, repo_id: int, rel: str
                               ) -> list[tuple[str, int]]:
    """(email, author time) of the non-merge commits to the other files of ``rel``'s
    directory (not its subdirectories)."""
    directory = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
    return [(str(e), int(t)) for e, t in await conn.execute_fetchall(
        "SELECT a.email, c.author_time FROM paths p"
        " JOIN file_changes fc ON fc.path_id = p.id"
        " CROSS JOIN commits c ON c.id = fc.commit_id JOIN authors a ON a.id = c.author_id"
        " WHERE p.path >= ? AND p.path < ? AND instr(substr(p.path, ?), '/') = 0"
        " AND p.path != ? AND c.repo_id = ? AND c.is_merge = 0",
        (directory, directory + "\uffff", len(directory) + 1, rel, repo_id))]


async def recent_authorship(conn: aiosqlite.Connection, repo_id: int, since: int
                            ) -> list[tuple[str, int]]:
    """(email, author time) of the repository's commits after ``since``."""
    return [(str(e), int(t)) for e, t in await conn.execute_fetchall(
        "SELECT a.email, c.author_time FROM commits c JOIN authors a ON a.id = c.author_id"
        " WHERE c.repo_id = ? AND c.author_time > ?", (repo_id, since))]


async def author_commit_counts(conn: aiosqlite.Connection, repo_id: int
                               ) -> list[tuple[str, str, int]]:
    """(email, name, commits) of every author of the repository."""
    return [(str(e), str(n), int(k)) for e, n, k in await conn.execute_fetchall(
        "SELECT a.email, a.name, COUNT(*) FROM commits c JOIN authors a"
        " ON a.id = c.author_id WHERE c.repo_id = ? GROUP BY a.id", (repo_id,))]


async def author_name(conn: aiosqlite.Connection, email: str) -> str | None:
    rows = list(await conn.execute_fetchall("SELECT name FROM authors WHERE email = ?",
                                            (email,)))
    return str(rows[0][0]) if rows else None


async def head_time(conn: aiosqlite.Connection, repo_id: int) -> int:
    """The indexed HEAD's author time (the newest commit's when HEAD is unknown): "now" for
    scores that must be a function of the index alone."""
    rows = list(await conn.execute_fetchall(
        "SELECT c.author_time FROM repositories r JOIN commits c ON c.repo_id = r.id"
        " AND c.oid = r.head_oid WHERE r.id = ?", (repo_id,)))
    if rows:
        return int(rows[0][0])
    [(newest,)] = await conn.execute_fetchall(
        "SELECT COALESCE(MAX(author_time), 0) FROM commits WHERE repo_id = ?", (repo_id,))
    return int(newest)


def recent_changesets(conn: sqlite3.Connection, root: Path, commits: int
                      ) -> list[tuple[int, str]]:
    """(commit id, path) of the repository's last ``commits`` non-merge commits that changed
    2 to 30 files (blocking: callers run it on a worker thread). Raises
    ``sqlite3.OperationalError`` when the database has no git index."""
    return [(int(c), str(p)) for c, p in conn.execute(
        "SELECT fc.commit_id, p.path FROM file_changes fc"
        " JOIN paths p ON p.id = fc.path_id WHERE fc.commit_id IN ("
        " SELECT c.id FROM commits c JOIN repositories r ON r.id = c.repo_id"
        " WHERE r.root = ? AND c.is_merge = 0 AND c.n_files BETWEEN 2 AND 30"
        " ORDER BY c.author_time DESC LIMIT ?)", (str(root), commits))]


# -- commits for the search index ---------------------------------------------------------

@dataclass(frozen=True)
class CommitSummary:
    """What the search index shows of a commit: its subject and changed files."""
    id: int
    oid: str
    subject: str
    author_time: int
    changes: tuple[tuple[str, int, int], ...]  # (path, added, deleted), at most ``files``


def commit_ids(conn: sqlite3.Connection) -> dict[str, int]:
    """oid -> commit id of every indexed commit (blocking)."""
    return {str(oid): int(cid) for cid, oid in conn.execute("SELECT id, oid FROM commits")}


def commit_summaries(conn: sqlite3.Connection, ids: list[int], files: int
                     ) -> list[CommitSummary]:
    """The commits ``ids`` (a batch: at most a few hundred), in id order (blocking)."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    changes: dict[int, list[tuple[str, int, int]]] = {}
    for cid, path, added, deleted in conn.execute(
            "SELECT fc.commit_id, p.path, COALESCE(fc.added, 0), COALESCE(fc.deleted, 0)"
            " FROM file_changes fc JOIN paths p ON p.id = fc.path_id"
            f" WHERE fc.commit_id IN ({marks}) ORDER BY fc.commit_id, fc.path_id", ids):
        shown = changes.setdefault(int(cid), [])
        if len(shown) < files:
            shown.append((str(path), int(added), int(deleted)))
    return [CommitSummary(int(cid), str(oid), str(subject), int(when),
                          tuple(changes.get(int(cid), ())))
            for cid, oid, subject, when in conn.execute(
                f"SELECT id, oid, subject, author_time FROM commits WHERE id IN ({marks})"
                " ORDER BY id", ids)]


def index_state(conn: sqlite3.Connection) -> tuple[int, int]:
    """(commits, newest commit id): changes whenever the git index gains or loses commits."""
    count, newest = conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM commits").fetchone()
    return int(count), int(newest)


def last_changes(conn: sqlite3.Connection) -> tuple[dict[str, float], float]:
    """When each path last changed (author time of its newest commit) and the newest
    commit's time ("now" as the index knows it); empty without a git index (blocking)."""
    changed = {str(p): float(t) for p, t in conn.execute(
        "SELECT p.path, MAX(c.author_time) FROM file_changes fc JOIN paths p ON p.id = fc.path_id"
        " CROSS JOIN commits c ON c.id = fc.commit_id GROUP BY fc.path_id")}
    newest = conn.execute("SELECT MAX(author_time) FROM commits").fetchone()[0]
    return changed, float(newest or 0)
