"""Read side of the git index: consistent snapshots for co-change queries.

Readers run on their own aiosqlite connection; each query runs inside one read
transaction, so it sees a single committed state even while the indexer writes.
Results are cached per repository *generation* (bumped by every index commit),
which keeps repeated CodeLens/hover queries well under a millisecond.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from mira.core.git.cochange import CochangeParams, QueryCommit, Suggestion, rank
from mira.core.stores.database import BUSY_TIMEOUT_MS

_CHUNK = 900
MAX_RENAME_HOPS = 32


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
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_size = 512

    async def open(self) -> None:
        if self._conn is None:
            self._conn = await aiosqlite.connect(self.db_path, isolation_level=None)
            await self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await self._conn.execute("PRAGMA query_only=ON")

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @asynccontextmanager
    async def snapshot(self) -> Any:
        """One read transaction: every query inside sees the same committed state."""
        await self.open()
        assert self._conn is not None
        async with self._lock:
            await self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                await self._conn.execute("COMMIT")

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

    async def all_repo_states(self) -> list[RepoState]:
        async with self.snapshot() as conn:
            rows = await conn.execute_fetchall("SELECT root FROM repositories ORDER BY root")
            states = [await _repo_state(conn, row[0]) for row in rows]
        return [s for s in states if s is not None]

    async def cochange(self, root: Path, path: str, *, limit: int = 10,
                       params: CochangeParams | None = None,
                       exists: Callable[[str], bool] | None = None) -> list[Suggestion]:
        """Partners of ``path`` (repository-relative), current names only."""
        params = params or CochangeParams()
        async with self.snapshot() as conn:
            state = await _repo_state(conn, str(root))
            if state is None:
                return []
            key = ("cochange", state.repo_id, state.generation, path, limit, params)
            hit = self._cached(key)
            if hit is not None:
                return list(hit)
            renames = await self._renames(conn, state)
            history = await _query_history(conn, state.repo_id, path, params, renames)
        now = max((c.time for c in history), default=0)
        suggestions = rank(history, now=now, params=params, limit=None, exclude={path})
        if exists is not None:
            suggestions = [s for s in suggestions if exists(s.path)]
        return list(self._store(key, tuple(suggestions[:limit])))

    async def _renames(self, conn: aiosqlite.Connection, state: RepoState) -> dict[str, str]:
        """old path -> newest name, for every rename in the repository."""
        key = ("renames", state.repo_id, state.generation)
        hit = self._cached(key)
        if hit is not None:
            return dict(hit)
        rows = await conn.execute_fetchall(
            "SELECT old.path, new.path FROM file_changes fc"
            " JOIN commits c ON c.id = fc.commit_id"
            " JOIN paths old ON old.id = fc.old_path_id JOIN paths new ON new.id = fc.path_id"
            " WHERE c.repo_id = ? AND fc.status = 'R' ORDER BY c.author_time, c.id",
            (state.repo_id,))
        forward: dict[str, str] = {}
        for old, new in rows:
            forward[old] = new
        self._store(key, tuple(forward.items()))
        return forward


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


def current_name(path: str, renames: dict[str, str]) -> str:
    seen = {path}
    while path in renames and len(seen) <= MAX_RENAME_HOPS:
        path = renames[path]
        if path in seen:
            break
        seen.add(path)
    return path


async def _lineage(conn: aiosqlite.Connection, repo_id: int, path: str
                   ) -> list[tuple[int, int | None]]:
    """(path id, only-before time) for the file and each of its earlier names."""
    rows = list(await conn.execute_fetchall("SELECT id FROM paths WHERE path = ?", (path,)))
    if not rows:
        return []
    lineage: list[tuple[int, int | None]] = [(int(rows[0][0]), None)]
    seen = {lineage[0][0]}
    frontier = [lineage[0]]
    while frontier and len(lineage) < MAX_RENAME_HOPS:
        path_id, before = frontier.pop()
        olds = await conn.execute_fetchall(
            "SELECT fc.old_path_id, c.author_time FROM file_changes fc"
            " JOIN commits c ON c.id = fc.commit_id"
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
                         params: CochangeParams, renames: dict[str, str]) -> list[QueryCommit]:
    commits: dict[int, tuple[int, int]] = {}
    for path_id, before in await _lineage(conn, repo_id, path):
        sql = ("SELECT c.id, c.author_time, c.n_files FROM file_changes fc"
               " JOIN commits c ON c.id = fc.commit_id"
               " WHERE fc.path_id = ? AND c.repo_id = ? AND c.is_merge = 0")
        args: tuple[Any, ...] = (path_id, repo_id)
        if before is not None:
            sql += " AND c.author_time <= ?"
            args += (before,)
        for commit_id, when, n_files in await conn.execute_fetchall(sql, args):
            commits[int(commit_id)] = (int(when), int(n_files))
    wanted = [cid for cid, (_, n) in commits.items() if n <= params.max_changeset]
    partners: dict[int, list[str]] = {cid: [] for cid in wanted}
    for start in range(0, len(wanted), _CHUNK):
        part = wanted[start:start + _CHUNK]
        rows = await conn.execute_fetchall(
            "SELECT fc.commit_id, p.path FROM file_changes fc JOIN paths p ON p.id = fc.path_id"
            f" WHERE fc.commit_id IN ({','.join('?' * len(part))})", part)
        for commit_id, partner in rows:
            partners[int(commit_id)].append(current_name(partner, renames))
    own = current_name(path, renames)
    history: list[QueryCommit] = []
    for commit_id, (when, n_files) in commits.items():
        names = tuple(sorted({p for p in partners.get(commit_id, ()) if p != own and p != path}))
        history.append(QueryCommit(when, n_files, names))
    return history

