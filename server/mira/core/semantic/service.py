"""SearchService: keeps the ``code``, ``git`` and ``conversation`` chunks current and
answers hybrid queries (SQLite FTS5 keyword ranking fused with vector similarity by
reciprocal rank fusion).

Incremental by content hash: a changed file re-embeds only the chunks whose text
changed, deleted files lose their chunks and points, new commits add only new
commits. The ``embedded`` flag is persisted after each batch, so an interrupted run
resumes. If the vector store cannot be opened (locked by another process,
corrupt) or the embedder fails, search degrades to keyword-only and says so in
``status``; the SQLite index is never lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira.core import files, secrets
from mira.core.code.service import CodeService
from mira.core.semantic import ranking
from mira.core.semantic.chunks import Chunk, search_text
from mira.core.semantic.embed_process import EmbedderBusy, ProcessEmbedder
from mira.core.semantic.embedder import Embedder, EmbedderError, MiniLMEmbedder, OpenAIEmbedder
from mira.core.semantic.shapes import symbol_chunks, window_chunks
from mira.core.semantic.vector_store import (
    EdgeStore,
    QdrantServerStore,
    VectorStore,
    VectorStoreError,
)
from mira.core.stores.database import Priority

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)

COLLECTIONS = ("code", "git", "conversation")
EMBED_BATCH = 32
WRITE_BATCH = 200  # chunks per write transaction
# the shape of code chunks: a new shape re-embeds them into a store of its own (ids of
# re-shaped chunks must never meet the vectors of the old ones)
CHUNK_SHAPES = {"code": "windows-1"}

Progress = Callable[[int, int | None, str], None]


@dataclass(frozen=True)
class SearchHit:
    path: str | None
    start_line: int
    end_line: int
    symbol: str | None
    score: float
    snippet: str
    source: str  # code | git | conversation
    commit: str | None
    message_id: str | None = None  # conversation hits: the memory entry id


@dataclass
class IndexReport:
    files: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    commits_added: int = 0
    embedded: int = 0
    seconds: float = 0.0


class SearchService:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.status_message: str | None = None
        self._embedder: Embedder | None = None  # queries and chat turns: in this process
        self._bulk: Embedder | None = None
        self._stores: dict[str, VectorStore | None] = {}
        self._lock = threading.Lock()  # one background index/embedding run at a time
        self._conversation_lock = threading.Lock()
        self._stores_lock = threading.RLock()

    # -- configuration -------------------------------------------------------------------
    def embedder(self) -> Embedder:
        """Queries and chat turns. The offline model runs in the bulk embedder's child
        process (ahead of its batches): one copy of the model in the process tree."""
        if self._embedder is None:
            config = self.ws.config
            if config.embedder == "openai":
                self._embedder = OpenAIEmbedder(config.embedding_model,
                                                config.embedding_dimension,
                                                base_url=config.embedding_base_url,
                                                api_key=config.openai_api_key)
            else:
                bulk = self.bulk_embedder()
                self._embedder = bulk.urgent() if isinstance(bulk, ProcessEmbedder) \
                    else MiniLMEmbedder()
        return self._embedder

    def bulk_embedder(self) -> Embedder:
        """The embedder of background passes: the offline model runs in a child process
        (``embed_process``); an endpoint embedder is network-bound and stays here."""
        if self._bulk is None:
            if self.ws.config.embedder == "openai":
                self._bulk = self.embedder()
            else:
                self._bulk = ProcessEmbedder()
        return self._bulk

    def identity(self, collection: str) -> str:
        """What a collection's vectors are: the embedder, and for code the chunk shape."""
        shape = CHUNK_SHAPES.get(collection)
        return self.embedder().id + (f"+{shape}" if shape else "")

    def _store(self, conn: sqlite3.Connection, collection: str) -> VectorStore | None:
        """The collection's vector store; re-created when the embedder changed."""
        with self._stores_lock:  # two threads must not open one store directory twice
            return self._open_store(conn, collection)

    def _open_store(self, conn: sqlite3.Connection, collection: str) -> VectorStore | None:
        if collection in self._stores:
            return self._stores[collection]
        embedder = self.embedder()
        row = conn.execute("SELECT embedder, dimension FROM semantic_collections WHERE name = ?",
                           (collection,)).fetchone()
        identity = self.identity(collection)
        tag = hashlib.sha1(identity.encode()).hexdigest()[:8]
        directory = self.ws.data_dir / "vectors" / f"{collection}-{tag}"
        if row is None or row[0] != identity or row[1] != embedder.dimension:
            # a new embedder: its vectors must not mix with the old ones (they live in a
            # directory of their own, named by the embedder; the old one is removed)
            if row is not None:
                for old in directory.parent.glob(f"{collection}-*"):
                    if old != directory:
                        shutil.rmtree(old, ignore_errors=True)
            def switch(w: sqlite3.Connection) -> None:
                w.execute("INSERT INTO semantic_collections(name, embedder, dimension)"
                          " VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET"
                          " embedder = excluded.embedder, dimension = excluded.dimension",
                          (collection, identity, embedder.dimension))
                w.execute("UPDATE semantic_chunks SET embedded = 0 WHERE collection = ?",
                          (collection,))
            self.ws.db.write(switch, Priority.EMBED)
        store: VectorStore | None
        try:
            if self.ws.config.qdrant_url:
                store = QdrantServerStore(self.ws.config.qdrant_url, f"mira-{collection}-{tag}",
                                          embedder.dimension, self.ws.config.qdrant_api_key)
            else:
                store = EdgeStore(directory, embedder.dimension)
        except VectorStoreError as exc:
            self.status_message = f"{exc}; search is keyword-only"
            log.warning("%s", self.status_message)
            store = None
        self._stores[collection] = store
        return store

    def use_store(self, collection: str, store: VectorStore | None) -> None:
        """Install a store explicitly (tests, alternative backends)."""
        self._stores[collection] = store

    async def aclose(self) -> None:
        closer = getattr(self._bulk, "close", None)
        if closer is not None:
            closer()
        for store in self._stores.values():
            if store is not None:
                try:
                    store.close()
                except Exception:
                    log.debug("closing a vector store failed", exc_info=True)
        self._stores.clear()

    # -- indexing (blocking: run in a worker thread) --------------------------------------
    def index(self, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
              embed: bool = True) -> IndexReport:
        started = time.perf_counter()
        report = IndexReport()
        with self._lock:
            conn = self.ws.db.read()
            self._sync_code(conn, report)
            self._sync_git(conn, report)
            if embed and self.ws.config.semantic_enabled:
                for collection in COLLECTIONS:
                    report.embedded += self._embed_pending(conn, collection, progress,
                                                           cancelled)
        report.seconds = time.perf_counter() - started
        return report

    # the same work in phases (the LSP layer runs and reports each on its own)
    def sync(self, progress: Progress | None = None,
             cancelled: Callable[[], bool] | None = None) -> IndexReport:
        """Chunks (keyword search) for changed files and new commits; no model needed."""
        started = time.perf_counter()
        report = IndexReport()
        with self._lock:
            conn = self.ws.db.read()
            self._sync_code(conn, report)
            self._sync_git(conn, report)
        report.seconds = time.perf_counter() - started
        return report

    def embed(self, collections: tuple[str, ...], progress: Progress | None = None,
              cancelled: Callable[[], bool] | None = None) -> int:
        """Embed what is pending in ``collections``; raises ``EmbedderError`` when the
        embedder or the vector store stopped it (the phase failed, it is not done)."""
        done = 0
        with self._lock:
            conn = self.ws.db.read()
            for collection in collections:
                errors: list[str] = []
                done += self._embed_pending(conn, collection, progress, cancelled,
                                            errors=errors)
                if errors:
                    raise EmbedderError(errors[0])
        return done

    def pending(self, collection: str) -> int:
        return int(self.ws.db.read().execute(
            "SELECT COUNT(*) FROM semantic_chunks WHERE collection = ? AND embedded = 0",
            (collection,)).fetchone()[0])

    def _chunks_for(self, rel: str, text: str) -> list[Chunk]:
        symbols = _symbols(self.ws, self.ws.root / rel, text)
        if any(getattr(s, "kind", None) != "module" for s in symbols):
            return list(symbol_chunks(rel, text, symbols))
        return list(window_chunks(rel, text))

    def _sync_code(self, conn: sqlite3.Connection, report: IndexReport) -> None:
        existing: dict[str, dict[str, tuple[int, str]]] = {}
        for chunk_id, key, path, digest in conn.execute(
                "SELECT id, key, path, content_hash FROM semantic_chunks"
                " WHERE collection = 'code'"):
            existing.setdefault(path, {})[key] = (chunk_id, digest)
        seen: set[str] = set()
        removed: list[int] = []
        pending: list[Chunk] = []  # written in short batches: chunking holds no write lock
        gate = files.for_workspace(self.ws)
        for rel in gate.list_files():
            text = gate.read_text(rel)  # None: secret content, binary, huge
            if text is None:
                continue
            seen.add(rel)
            report.files += 1
            old = existing.get(rel, {})
            new = {c.key: c for c in self._chunks_for(rel, text)}
            for key, (chunk_id, _) in old.items():
                if key not in new:
                    removed.append(chunk_id)
            for key, chunk in new.items():
                if key in old and old[key][1] == chunk.content_hash:
                    continue
                pending.append(chunk)
                report.chunks_added += 1
            if len(pending) >= WRITE_BATCH:
                self._write_chunks("code", pending)
                pending = []
        self._write_chunks("code", pending)
        for path, chunks in existing.items():
            if path not in seen:
                removed += [chunk_id for chunk_id, _ in chunks.values()]
        self._delete_chunks("code", removed)
        report.chunks_removed = len(removed)

    def _write_chunks(self, collection: str, chunks: list[Chunk]) -> None:
        if chunks:
            self.ws.db.write(lambda w: [self._upsert_chunk(w, collection, c) for c in chunks],
                             Priority.EMBED)

    def _sync_git(self, conn: sqlite3.Connection, report: IndexReport) -> None:
        last_id = 0
        while True:  # commits without a chunk, a batch at a time (never the whole history)
            rows = conn.execute(
                "SELECT c.id, c.oid, c.subject, c.author_time, GROUP_CONCAT(p.path || ' +' ||"
                " COALESCE(fc.added, 0) || ' -' || COALESCE(fc.deleted, 0), '\n')"
                " FROM commits c LEFT JOIN file_changes fc ON fc.commit_id = c.id"
                " LEFT JOIN paths p ON p.id = fc.path_id"
                " WHERE c.id > ? AND NOT EXISTS"
                " (SELECT 1 FROM semantic_chunks s WHERE s.key = 'git:' || c.oid)"
                " GROUP BY c.id ORDER BY c.id LIMIT ?", (last_id, WRITE_BATCH)).fetchall()
            if not rows:
                break
            last_id = rows[-1][0]
            chunks = []
            for _, oid, subject, when, changed in rows:
                changes = (changed or "").split("\n")[:30]
                text = secrets.redact(f"{subject}\n" + "\n".join(changes))
                chunks.append((Chunk(f"git:{oid}", None, None, "commit", None, 0, 0, text),
                               oid, float(when)))
            self.ws.db.write(lambda w, chunks=chunks: [  # type: ignore[misc]
                self._upsert_chunk(w, "git", c, commit=oid, updated_at=when)
                for c, oid, when in chunks], Priority.EMBED)
            report.commits_added += len(chunks)
        gone = [r[0] for r in conn.execute(  # rewritten history
            "SELECT s.id FROM semantic_chunks s WHERE s.collection = 'git' AND NOT EXISTS"
            " (SELECT 1 FROM commits c WHERE c.oid = s.commit_oid)")]
        self._delete_chunks("git", gone)

    def _upsert_chunk(self, conn: sqlite3.Connection, collection: str, chunk: Chunk, *,
                      commit: str | None = None, session: str | None = None,
                      updated_at: float | None = None) -> int:
        conn.execute(
            "INSERT INTO semantic_chunks(collection, key, path, symbol, kind, language,"
            " start_line, end_line, commit_oid, session_id, content_hash, text, search_text,"
            " name_text, path_text, head_text, embedded, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)"
            " ON CONFLICT(key) DO UPDATE SET symbol = excluded.symbol, kind = excluded.kind,"
            " start_line = excluded.start_line, end_line = excluded.end_line,"
            " content_hash = excluded.content_hash, text = excluded.text,"
            " search_text = excluded.search_text, name_text = excluded.name_text,"
            " path_text = excluded.path_text, head_text = excluded.head_text,"
            " embedded = 0, updated_at = excluded.updated_at",
            (collection, chunk.key, chunk.path, chunk.symbol, chunk.kind, chunk.language,
             chunk.start_line, chunk.end_line, commit, session, chunk.content_hash, chunk.text,
             search_text(chunk.text), ranking.name_text(chunk.symbol),
             ranking.path_text(chunk.path), search_text(chunk.head) if chunk.head else "",
             updated_at or time.time()))
        return int(conn.execute("SELECT id FROM semantic_chunks WHERE key = ?",
                                (chunk.key,)).fetchone()[0])

    def _delete_chunks(self, collection: str, ids: list[int]) -> None:
        if not ids:
            return
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            self.ws.db.write(lambda w, part=part: w.execute(  # type: ignore[misc]
                f"DELETE FROM semantic_chunks WHERE id IN ({','.join('?' * len(part))})", part),
                Priority.EMBED)
        store = self._stores.get(collection)
        if store is not None:
            try:
                store.delete(ids)
            except Exception:
                log.warning("could not delete points from the %s vector store", collection,
                            exc_info=True)

    def _embed_pending(self, conn: sqlite3.Connection, collection: str,
                       progress: Progress | None, cancelled: Callable[[], bool] | None,
                       embedder: Embedder | None = None, errors: list[str] | None = None
                       ) -> int:
        """Embed the collection's pending chunks a batch at a time, shortest first (a
        batch pads to its longest text), identical texts once; resumable by the flags.
        Why it stopped early goes to ``errors`` (the caller's own list: passes run on
        several threads)."""
        embedder = embedder or self.bulk_embedder()
        store = self._store(conn, collection)
        if store is None:
            if errors is not None:
                errors.append(self.status_message or "the vector store is unavailable")
            return 0
        total = conn.execute("SELECT COUNT(*) FROM semantic_chunks WHERE collection = ? AND"
                             " embedded = 0", (collection,)).fetchone()[0]
        done = 0
        while True:
            rows = conn.execute(
                "SELECT id, text, path, symbol, start_line, end_line, language, commit_oid"
                " FROM semantic_chunks WHERE collection = ? AND embedded = 0"
                " ORDER BY length(text) LIMIT ?", (collection, EMBED_BATCH)).fetchall()
            if not rows or (cancelled is not None and cancelled()):
                return done
            try:
                unique = list(dict.fromkeys(r[1] for r in rows))
                found = embedder.embed(unique)
                vectors = found[[unique.index(r[1]) for r in rows]] \
                    if len(unique) < len(rows) else found
                store.upsert([r[0] for r in rows], vectors, [
                    {"path": r[2], "symbol": r[3], "start": r[4], "end": r[5], "language": r[6],
                     "commit": r[7], "collection": collection} for r in rows])
            except EmbedderBusy:  # a chat turn's embedding: the next pass does it
                return done
            except (EmbedderError, VectorStoreError, OSError, RuntimeError) as exc:
                self.status_message = f"embedding stopped ({exc}); search is keyword-only" \
                    " for what is not embedded yet"
                if errors is not None:
                    errors.append(str(exc))
                log.warning("%s", self.status_message)
                return done
            done_ids = [(r[0],) for r in rows]
            self.ws.db.write(lambda w, ids=done_ids: w.executemany(  # type: ignore[misc]
                "UPDATE semantic_chunks SET embedded = 1 WHERE id = ?", ids), Priority.EMBED)
            done += len(rows)
            if progress is not None:
                progress(done, total, f"embedded {done}/{total} {collection} chunks")

    # -- conversation ----------------------------------------------------------------------
    async def add_conversation(self, session_id: str, message_id: str, role: str, text: str,
                               ts: float) -> None:
        chunk = Chunk(f"conversation:{session_id}:{message_id}", None, role,
                      "message", None, 0, 0, secrets.redact(text[:4000]))
        await self.ws.db.awrite(lambda w: self._upsert_chunk(
            w, "conversation", chunk, session=session_id, updated_at=ts))
        if self.ws.config.semantic_enabled:
            # embedded in the background, never under the index lock: a chat turn waited
            # for the whole first embedding pass (minutes on a large repository)
            threading.Thread(target=self._embed_conversation, name="mira-embed-turn",
                             daemon=True).start()

    def _embed_conversation(self) -> None:
        with self._conversation_lock:
            try:
                self._embed_pending(self.ws.db.read(), "conversation", None, None,
                                    self.embedder())
            except Exception:  # the next pass picks it up (the flag stays 0)
                log.warning("embedding a conversation turn failed", exc_info=True)

    async def search_conversation(self, query: str, session_id: str | None = None,
                                  limit: int = 5) -> list[SearchHit]:
        return await asyncio.to_thread(self._search, query, limit, ["conversation"], None,
                                       "hybrid", session_id)

    # -- search ----------------------------------------------------------------------------
    async def search(self, query: str, limit: int = 10, kinds: list[str] | None = None,
                     paths: list[str] | None = None) -> list[SearchHit]:
        return await asyncio.to_thread(self._search, query, limit, kinds, paths)

    def _search(self, query: str, limit: int, kinds: list[str] | None,
                paths: list[str] | None, mode: str = "hybrid", session_id: str | None = None
                ) -> list[SearchHit]:
        # commits are a result kind of their own: asked for by name, never mixed in by default
        collections = [k for k in (kinds or ["code"]) if k in COLLECTIONS]
        gate = files.for_workspace(self.ws)  # defence in depth: filtered again at query time
        conn = self.ws.db.read()
        lists: list[tuple[list[int], float]] = []
        if mode in ("hybrid", "keyword"):
            lists.append((ranking.keyword_ids(conn, query, collections),
                          ranking.KEYWORD_WEIGHT))
        if mode in ("hybrid", "vector") and self.ws.config.semantic_enabled:
            lists.append((self._vector(conn, query, collections), ranking.VECTOR_WEIGHT))
        rows = ranking.load_rows(conn, (i for ids, _ in lists for i in ids))
        hits: list[SearchHit] = []
        for score, row in ranking.fuse(lists, rows, query):
            if not _path_ok(row.path, paths) or gate.is_secret(row.path):
                continue
            if session_id is not None and row.session != session_id:
                continue
            message = row.key.rsplit(":", 1)[-1] if row.collection == "conversation" \
                else None
            hits.append(SearchHit(row.path, row.start_line, row.end_line, row.symbol,
                                  round(score, 6), secrets.redact(_snippet(row.text)),
                                  row.collection, row.commit, message))
            if len(hits) >= limit:
                break
        return hits

    def _vector(self, conn: sqlite3.Connection, query: str, collections: list[str]
                ) -> list[int]:
        marks = ",".join("?" * len(collections))
        if not collections or conn.execute(  # nothing to compare with: no model needed yet
                f"SELECT 1 FROM semantic_chunks WHERE collection IN ({marks}) AND embedded = 1"
                " LIMIT 1", collections).fetchone() is None:
            return []
        try:
            vector = self.embedder().embed([query])[0]
        except (EmbedderError, OSError, RuntimeError) as exc:
            self.status_message = f"embedder unavailable ({exc}); search is keyword-only"
            return []
        found: list[tuple[float, int]] = []
        for collection in collections:
            store = self._store(conn, collection)
            if store is None:
                continue
            try:
                found += [(h.score, h.id) for h in store.search(vector, ranking.CANDIDATES)]
            except Exception as exc:
                self.status_message = f"vector search failed ({exc}); keyword-only"
                log.warning("%s", self.status_message)
        return [chunk_id for _, chunk_id in sorted(found, reverse=True)[:ranking.CANDIDATES]]

    def search_mode(self, query: str, limit: int, mode: str,
                    kinds: list[str] | None = None) -> list[SearchHit]:
        """Keyword-only / vector-only / hybrid (for the evaluation)."""
        return self._search(query, limit, kinds, None, mode)

    def status(self) -> dict[str, Any]:
        counts = {c: (n, e) for c, n, e in self.ws.db.read().execute(
            "SELECT collection, COUNT(*), SUM(embedded) FROM semantic_chunks"
            " GROUP BY collection")}
        return {"collections": {c: {"chunks": n, "embedded": e or 0}
                                for c, (n, e) in counts.items()},
                "embedder": self.ws.config.embedder, "message": self.status_message}


def _path_ok(path: str | None, prefixes: Iterable[str] | None) -> bool:
    if not prefixes:
        return True
    return path is not None and any(path.startswith(p.rstrip("*")) for p in prefixes)


def _snippet(text: str) -> str:
    return text[:240]


def _symbols(ws: Workspace, path: Path, text: str) -> list[object]:
    try:
        return list(ws.service(CodeService).symbols_sync(path, text))
    except Exception:
        log.debug("symbols unavailable for %s", path, exc_info=True)
        return []

