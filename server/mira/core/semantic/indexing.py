"""Keeping the ``code``, ``git`` and ``conversation`` chunks current and embedded.

Incremental by content hash: a changed file re-embeds only the chunks whose text
changed, deleted files lose their chunks and points, new commits add only new
commits. The ``embedded`` flag is persisted after each batch, so an interrupted run
resumes. Chunks are written in short batches through the shared writer (chunking and
embedding hold no write lock). Git's own tables are read through
``git.history_store``; this module owns only ``semantic_chunks``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mira.core import files, secrets
from mira.core.code.service import CodeService
from mira.core.git import history_store
from mira.core.semantic import ranking
from mira.core.semantic.chunks import Chunk, search_text
from mira.core.semantic.collections import COLLECTIONS, Collections
from mira.core.semantic.embed_process import EmbedderBusy
from mira.core.semantic.embedder import Embedder, EmbedderError
from mira.core.semantic.results import IndexReport
from mira.core.semantic.shapes import symbol_chunks, window_chunks
from mira.core.semantic.vector_store import VectorStoreError
from mira.core.stores.database import Priority

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)

EMBED_BATCH = 32
WRITE_BATCH = 200  # chunks per write transaction
COMMIT_FILES_SHOWN = 30  # a commit chunk lists at most this many changed files

Progress = Callable[[int, int | None, str], None]


class SearchIndexer:
    def __init__(self, workspace: Workspace, collections: Collections) -> None:
        self.ws = workspace
        self.collections = collections
        self._lock = threading.Lock()  # one background index/embedding run at a time
        self._conversation_lock = threading.Lock()

    # -- runs (blocking: a worker thread calls them) --------------------------------------
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
                    report.embedded += self.embed_pending(conn, collection, progress,
                                                          cancelled)
        report.seconds = time.perf_counter() - started
        return report

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
                done += self.embed_pending(conn, collection, progress, cancelled,
                                           errors=errors)
                if errors:
                    raise EmbedderError(errors[0])
        return done

    def pending(self, collection: str) -> int:
        return int(self.ws.db.read().execute(
            "SELECT COUNT(*) FROM semantic_chunks WHERE collection = ? AND embedded = 0",
            (collection,)).fetchone()[0])

    # -- code -----------------------------------------------------------------------------
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
            self.ws.db.write(lambda w: [_upsert_chunk(w, collection, c) for c in chunks],
                             Priority.EMBED)

    # -- commits --------------------------------------------------------------------------
    def _sync_git(self, conn: sqlite3.Connection, report: IndexReport) -> None:
        """A chunk per indexed commit (subject and changed files); commits that left the
        history (rewritten) lose theirs."""
        chunked = {str(oid): int(chunk_id) for chunk_id, oid in conn.execute(
            "SELECT id, commit_oid FROM semantic_chunks WHERE collection = 'git'")}
        indexed = history_store.commit_ids(conn)
        missing = sorted(cid for oid, cid in indexed.items() if oid not in chunked)
        for start in range(0, len(missing), WRITE_BATCH):  # never the whole history at once
            chunks = []
            for commit in history_store.commit_summaries(conn, missing[start:start + WRITE_BATCH],
                                                         COMMIT_FILES_SHOWN):
                changes = "\n".join(f"{path} +{added} -{deleted}"
                                    for path, added, deleted in commit.changes)
                text = secrets.redact(f"{commit.subject}\n{changes}")
                chunks.append((Chunk(f"git:{commit.oid}", None, None, "commit", None, 0, 0,
                                     text), commit.oid, float(commit.author_time)))
            self.ws.db.write(lambda w, chunks=chunks: [  # type: ignore[misc]
                _upsert_chunk(w, "git", c, commit=oid, updated_at=when)
                for c, oid, when in chunks], Priority.EMBED)
            report.commits_added += len(chunks)
        self._delete_chunks("git", [cid for oid, cid in chunked.items() if oid not in indexed])

    def _delete_chunks(self, collection: str, ids: list[int]) -> None:
        if not ids:
            return
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            self.ws.db.write(lambda w, part=part: w.execute(  # type: ignore[misc]
                f"DELETE FROM semantic_chunks WHERE id IN ({','.join('?' * len(part))})", part),
                Priority.EMBED)
        store = self.collections.opened(collection)
        if store is not None:
            try:
                store.delete(ids)
            except Exception:
                log.warning("could not delete points from the %s vector store", collection,
                            exc_info=True)

    # -- vectors --------------------------------------------------------------------------
    def embed_pending(self, conn: sqlite3.Connection, collection: str,
                      progress: Progress | None, cancelled: Callable[[], bool] | None,
                      embedder: Embedder | None = None, errors: list[str] | None = None
                      ) -> int:
        """Embed the collection's pending chunks a batch at a time, shortest first (a
        batch pads to its longest text), identical texts once; resumable by the flags.
        Why it stopped early goes to ``errors`` (the caller's own list: passes run on
        several threads)."""
        embedder = embedder or self.collections.bulk_embedder()
        store = self.collections.store(conn, collection)
        if store is None:
            if errors is not None:
                errors.append(self.collections.status_message
                              or "the vector store is unavailable")
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
                self.collections.status_message = f"embedding stopped ({exc}); search is" \
                    " keyword-only for what is not embedded yet"
                if errors is not None:
                    errors.append(str(exc))
                log.warning("%s", self.collections.status_message)
                return done
            done_ids = [(r[0],) for r in rows]
            self.ws.db.write(lambda w, ids=done_ids: w.executemany(  # type: ignore[misc]
                "UPDATE semantic_chunks SET embedded = 1 WHERE id = ?", ids), Priority.EMBED)
            done += len(rows)
            if progress is not None:
                progress(done, total, f"embedded {done}/{total} {collection} chunks")

    # -- conversation ---------------------------------------------------------------------
    async def add_conversation(self, session_id: str, message_id: str, role: str, text: str,
                               ts: float) -> None:
        chunk = Chunk(f"conversation:{session_id}:{message_id}", None, role,
                      "message", None, 0, 0, secrets.redact(text[:4000]))
        await self.ws.db.awrite(lambda w: _upsert_chunk(
            w, "conversation", chunk, session=session_id, updated_at=ts))
        if self.ws.config.semantic_enabled:
            # embedded in the background, never under the index lock: a chat turn waited
            # for the whole first embedding pass (minutes on a large repository)
            threading.Thread(target=self._embed_conversation, name="mira-embed-turn",
                             daemon=True).start()

    def _embed_conversation(self) -> None:
        with self._conversation_lock:
            try:
                self.embed_pending(self.ws.db.read(), "conversation", None, None,
                                   self.collections.embedder())
            except Exception:  # the next pass picks it up (the flag stays 0)
                log.warning("embedding a conversation turn failed", exc_info=True)


def _upsert_chunk(conn: sqlite3.Connection, collection: str, chunk: Chunk, *,
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


def _symbols(ws: Workspace, path: Path, text: str) -> list[object]:
    try:
        return list(ws.service(CodeService).symbols_sync(path, text))
    except Exception:
        log.debug("symbols unavailable for %s", path, exc_info=True)
        return []
