"""``mira/search`` and keeping the semantic index current in the background."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from mira.core.semantic.service import SearchHit, SearchService
from mira.core.workspace import Workspace
from mira.lsp.convert import path_to_uri
from mira.lsp.documents import wait_ready
from mira.lsp.progress import WorkProgress
from mira.lsp.protocol_search import SEARCH, SearchItem, SearchParams, SearchResult

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer

log = logging.getLogger(__name__)



def to_item(ws: Workspace, hit: SearchHit) -> SearchItem:
    return SearchItem(
        path=hit.path, uri=path_to_uri(ws.root / hit.path) if hit.path else None,
        range=types.Range(types.Position(hit.start_line, 0), types.Position(hit.end_line, 0)),
        symbol=hit.symbol, score=hit.score, snippet=hit.snippet, source=hit.source,
        commit=hit.commit)


async def refresh(ls: MiraServer, ws: Workspace) -> None:
    """Re-index changed files and new commits; one run per workspace, coalesced."""
    await ls.state.runs.run(("search", ws.root), lambda: _index_search(ls, ws))


async def _index_search(ls: MiraServer, ws: Workspace) -> None:
    service = ws.service(SearchService)
    async with WorkProgress(ls, "Mira: indexing for search") as progress:
        try:
            await asyncio.to_thread(service.index, progress.report, lambda: progress.cancelled)
        except Exception as exc:
            log.exception("search indexing failed")
            ls.show(f"search indexing failed: {exc}")
    if service.status_message:
        log.warning("%s", service.status_message)


def register(server: MiraServer) -> None:
    async def on_repo_event(ls: MiraServer, ws: Workspace) -> None:
        if ws.config.semantic_enabled:
            ls.state.spawn(refresh(ls, ws), f"search index {ws.root}")

    server.providers.git_indexed.append(on_repo_event)
    server.providers.worktree_changed.append(on_repo_event)

    @server.feature(SEARCH)
    async def search(ls: MiraServer, params: SearchParams) -> SearchResult:
        await wait_ready(ls)
        items: list[SearchItem] = []
        notes = []
        for ws in list(ls.state.workspaces.values()):
            service = ws.service(SearchService)
            hits = await service.search(params.query, params.limit or 10, params.kinds,
                                        params.paths)
            items += [to_item(ws, h) for h in hits]
            if service.status_message:
                notes.append(service.status_message)
        items.sort(key=lambda i: -i.score)
        return SearchResult(items=items[:params.limit or 10], note="; ".join(notes) or None)
