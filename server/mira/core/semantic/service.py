"""SearchService: the workspace's one search service — a façade over indexing
(``indexing.SearchIndexer``: chunks and vectors kept current) and searching
(``searching.Searcher``: hybrid queries), which share the embedders and vector stores
(``collections.Collections``). Callers (LSP handlers, CLI, chat, context) use only this.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mira.core.semantic.collections import COLLECTIONS, Collections
from mira.core.semantic.embedder import Embedder
from mira.core.semantic.indexing import Progress, SearchIndexer
from mira.core.semantic.results import IndexReport, SearchHit
from mira.core.semantic.searching import Searcher
from mira.core.semantic.vector_store import VectorStore

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

__all__ = ["COLLECTIONS", "IndexReport", "Progress", "SearchHit", "SearchService"]


class SearchService:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.collections = Collections(workspace)
        self.indexer = SearchIndexer(workspace, self.collections)
        self.searcher = Searcher(workspace, self.collections)

    @property
    def status_message(self) -> str | None:
        """Why search is degraded (keyword-only), if it is."""
        return self.collections.status_message

    # -- configuration --------------------------------------------------------------------
    def embedder(self) -> Embedder:
        return self.collections.embedder()

    def identity(self, collection: str) -> str:
        return self.collections.identity(collection)

    def use_store(self, collection: str, store: VectorStore | None) -> None:
        self.collections.use_store(collection, store)

    async def aclose(self) -> None:
        self.collections.close()

    # -- indexing (blocking: run in a worker thread) --------------------------------------
    def index(self, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
              embed: bool = True) -> IndexReport:
        return self.indexer.index(progress, cancelled, embed)

    def sync(self, progress: Progress | None = None,
             cancelled: Callable[[], bool] | None = None) -> IndexReport:
        return self.indexer.sync(progress, cancelled)

    def embed(self, collections: tuple[str, ...], progress: Progress | None = None,
              cancelled: Callable[[], bool] | None = None) -> int:
        return self.indexer.embed(collections, progress, cancelled)

    def pending(self, collection: str) -> int:
        return self.indexer.pending(collection)

    # -- conversation ---------------------------------------------------------------------
    async def add_conversation(self, session_id: str, message_id: str, role: str, text: str,
                               ts: float) -> None:
        await self.indexer.add_conversation(session_id, message_id, role, text, ts)

    async def search_conversation(self, query: str, session_id: str | None = None,
                                  limit: int = 5) -> list[SearchHit]:
        return await asyncio.to_thread(self.searcher.search, query, limit, ["conversation"],
                                       None, "hybrid", session_id)

    # -- search ---------------------------------------------------------------------------
    async def search(self, query: str, limit: int = 10, kinds: list[str] | None = None,
                     paths: list[str] | None = None) -> list[SearchHit]:
        return await asyncio.to_thread(self.searcher.search, query, limit, kinds, paths)

    def search_mode(self, query: str, limit: int, mode: str,
                    kinds: list[str] | None = None) -> list[SearchHit]:
        """Keyword-only / vector-only / hybrid (for the evaluation)."""
        return self.searcher.search(query, limit, kinds, None, mode)

    def status(self) -> dict[str, Any]:
        return self.searcher.status()
