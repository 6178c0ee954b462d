"""Answering queries: SQLite FTS5 keyword ranks fused with vector similarity ranks
(weighted reciprocal rank fusion, ``ranking``), filtered again by the secrets gate.

Code is the default result kind; commits and conversation turns are asked for by name.
Without vectors (no model, a store that cannot open, nothing embedded yet) the keyword
ranks alone answer, and ``status_message`` says so.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from mira.core import files, secrets
from mira.core.code import reads
from mira.core.git import history_store
from mira.core.semantic import ranking
from mira.core.semantic.collections import COLLECTIONS, Collections
from mira.core.semantic.embedder import EmbedderError
from mira.core.semantic.ranking import Row
from mira.core.semantic.results import SearchHit

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)

SNIPPET_CHARS = 240
_VECTOR_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mira-search-vector")


class Searcher:
    def __init__(self, workspace: Workspace, collections: Collections) -> None:
        self.ws = workspace
        self.collections = collections
        self._changes_lock = threading.Lock()
        self._changed: tuple[tuple[int, int], dict[str, float], float] | None = None

    def search(self, query: str, limit: int, kinds: list[str] | None,
               paths: list[str] | None, mode: str = "hybrid", session_id: str | None = None
               ) -> list[SearchHit]:
        """Blocking (a worker thread calls it). ``mode``: hybrid, keyword or vector."""
        conn = self.ws.db.read()
        lists, rows = self.candidates(conn, query, kinds, mode)
        ranked = ranking.fuse(lists, rows, query, self.signals(conn, rows.values()))
        return self.hits(ranked, limit, paths, session_id)

    def candidates(self, conn: sqlite3.Connection, query: str, kinds: list[str] | None,
                   mode: str = "hybrid") -> tuple[list[tuple[list[int], float]], dict[int, Row]]:
        """Each list's ranked chunk ids with its fusion weight, and the chunks' rows."""
        # commits are a result kind of their own: asked for by name, never mixed in by default
        collections = [k for k in (kinds or ["code"]) if k in COLLECTIONS]
        lists: list[tuple[list[int], float]] = []
        vector: Future[list[int]] | None = None
        if mode in ("hybrid", "vector") and self.ws.config.semantic_enabled:
            # the model and the vector store release the GIL: the vector list is gathered
            # while SQLite ranks the keyword one (its own thread, its own connection)
            vector = _VECTOR_POOL.submit(
                lambda: self._vector(self.ws.db.read(), query, collections))
        if mode in ("hybrid", "keyword"):
            lists.append((ranking.keyword_ids(conn, query, collections),
                          ranking.KEYWORD_WEIGHT))
        if vector is not None:
            lists.append((vector.result(), ranking.VECTOR_WEIGHT))
        return lists, ranking.load_rows(conn, (i for ids, _ in lists for i in ids))

    def hits(self, ranked: Iterable[tuple[float, Row]], limit: int,
             paths: list[str] | None = None, session_id: str | None = None
             ) -> list[SearchHit]:
        """The first ``limit`` ranked rows the caller may see, as hits."""
        gate = files.for_workspace(self.ws)  # defence in depth: filtered again at query time
        out: list[SearchHit] = []
        for score, row in ranked:
            if not _path_ok(row.path, paths) or gate.is_secret(row.path):
                continue
            if session_id is not None and row.session != session_id:
                continue
            message = row.key.rsplit(":", 1)[-1] if row.collection == "conversation" \
                else None
            out.append(SearchHit(row.path, row.start_line, row.end_line, row.symbol,
                                 round(score, 6), secrets.redact(row.text[:SNIPPET_CHARS]),
                                 row.collection, row.commit, message))
            if len(out) >= limit:
                break
        return out

    def signals(self, conn: sqlite3.Connection, rows: Iterable[Row]) -> ranking.Signals | None:
        """The code and git indexes' signals for the candidates (only those with a weight)."""
        code = [r for r in rows if r.collection == "code"]
        if not code or not (ranking.FAN_IN_WEIGHT or ranking.RECENCY_WEIGHT):
            return None
        callers = reads.caller_counts(conn, [r.symbol for r in code if r.symbol]) \
            if ranking.FAN_IN_WEIGHT else {}
        changed, now = self._changes(conn) if ranking.RECENCY_WEIGHT else ({}, 0.0)
        return ranking.Signals(callers, changed, now)

    def _changes(self, conn: sqlite3.Connection) -> tuple[dict[str, float], float]:
        """When each path last changed; read once per state of the git index."""
        state = history_store.index_state(conn)
        with self._changes_lock:
            if self._changed is None or self._changed[0] != state:
                self._changed = (state, *history_store.last_changes(conn))
            return self._changed[1], self._changed[2]

    def _vector(self, conn: sqlite3.Connection, query: str, collections: list[str]
                ) -> list[int]:
        marks = ",".join("?" * len(collections))
        if not collections or conn.execute(  # nothing to compare with: no model needed yet
                f"SELECT 1 FROM semantic_chunks WHERE collection IN ({marks}) AND embedded = 1"
                " LIMIT 1", collections).fetchone() is None:
            return []
        try:
            vector = self.collections.embedder().embed([query])[0]
        except (EmbedderError, OSError, RuntimeError) as exc:
            self.collections.status_message = f"embedder unavailable ({exc}); search is" \
                " keyword-only"
            return []
        found: list[tuple[float, int]] = []
        for collection in collections:
            store = self.collections.store(conn, collection)
            if store is None:
                continue
            try:
                found += [(h.score, h.id) for h in store.search(vector, ranking.CANDIDATES)]
            except Exception as exc:
                self.collections.status_message = f"vector search failed ({exc}); keyword-only"
                log.warning("%s", self.collections.status_message)
        return [chunk_id for _, chunk_id in sorted(found, reverse=True)[:ranking.CANDIDATES]]

    def status(self) -> dict[str, Any]:
        counts = {c: (n, e) for c, n, e in self.ws.db.read().execute(
            "SELECT collection, COUNT(*), SUM(embedded) FROM semantic_chunks"
            " GROUP BY collection")}
        return {"collections": {c: {"chunks": n, "embedded": e or 0}
                                for c, (n, e) in counts.items()},
                "embedder": self.ws.config.embedder,
                "message": self.collections.status_message}


def _path_ok(path: str | None, prefixes: Iterable[str] | None) -> bool:
    if not prefixes:
        return True
    return path is not None and any(path.startswith(p.rstrip("*")) for p in prefixes)
