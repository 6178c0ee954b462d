"""What indexing and searching share: the embedders and each collection's vector store.

A collection's vectors are identified by the embedder and, for code, the chunk shape; a
new identity gets a store of its own (the old one is removed and every chunk of the
collection is marked for re-embedding), so vectors of two models or two chunk shapes
never meet. A store that cannot be opened (locked by another process, corrupt) is
``None``: search degrades to keyword-only and ``status_message`` says why.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import sqlite3
import threading
from typing import TYPE_CHECKING

from mira.core.semantic.embed_process import ProcessEmbedder
from mira.core.semantic.embedder import Embedder, MiniLMEmbedder, OpenAIEmbedder
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
# the shape of code chunks: a new shape re-embeds them into a store of its own (ids of
# re-shaped chunks must never meet the vectors of the old ones)
CHUNK_SHAPES = {"code": "windows-1"}


class Collections:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.status_message: str | None = None
        self._embedder: Embedder | None = None  # queries and chat turns: in this process
        self._bulk: Embedder | None = None
        self._stores: dict[str, VectorStore | None] = {}
        self._stores_lock = threading.RLock()

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

    def store(self, conn: sqlite3.Connection, collection: str) -> VectorStore | None:
        """The collection's vector store; re-created when the embedder changed."""
        with self._stores_lock:  # two threads must not open one store directory twice
            return self._open_store(conn, collection)

    def opened(self, collection: str) -> VectorStore | None:
        """The collection's store if it is open (deleting points needs no new store)."""
        return self._stores.get(collection)

    def use_embedder(self, embedder: Embedder, bulk: Embedder | None = None) -> None:
        """Embed queries with ``embedder`` and bulk batches with ``bulk`` (default: the
        same); benchmarks use it for a cached or a candidate model."""
        self._embedder, self._bulk = embedder, bulk or embedder

    def use_store(self, collection: str, store: VectorStore | None) -> None:
        """Install a store explicitly (tests, alternative backends)."""
        self._stores[collection] = store

    def close(self) -> None:
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
