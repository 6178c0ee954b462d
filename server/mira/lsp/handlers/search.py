"""``mira/search`` and keeping the semantic index current in the background."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from mira.core.semantic.service import SearchHit, SearchService
from mira.core.workspace import Workspace
from mira.lsp.convert import path_to_uri
from mira.lsp.documents import wait_ready
from mira.lsp.phase_runner import Cancelled, Report, run_phase
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
    """Re-index changed files and new commits; one run per workspace, coalesced.

    Three phases: chunks (keyword search works once they exist), then code embeddings,
    then commit embeddings (code first: it is what most questions are about).
    """
    await ls.state.runs.run(("search", ws.root), lambda: _phases(ls, ws))


async def _phases(ls: MiraServer, ws: Workspace) -> None:
    service = ws.service(SearchService)
    report = await run_phase(ls, ws, "chunks", service.sync, title="Mira: indexing for search",
                             retry=lambda: refresh(ls, ws))
    if report is None:
        return
    ws.phases.finish("chunks", f"{report.chunks_added} chunks added",
                     files=report.files, commits=report.commits_added)
    if not ws.config.semantic_enabled:
        for name in ("code_embeddings", "commit_embeddings"):
            ws.phases.off(name, "semantic search is off (semanticEnabled)")
        return
    await embed(ls, ws)


async def embed(ls: MiraServer, ws: Workspace) -> None:
    """The embedding passes, code first; each resumes where it stopped (paused for a more
    urgent phase, failed, cancelled), so a retry runs only these."""
    await ls.state.runs.run(("embed", ws.root), lambda: _embed_once(ls, ws))


async def _embed_once(ls: MiraServer, ws: Workspace) -> None:
    service = ws.service(SearchService)
    for name, collections in (("code_embeddings", ("code", "conversation")),
                              ("commit_embeddings", ("git",))):
        def work(report: Report, cancelled: Cancelled, c: tuple[str, ...] = collections
                 ) -> int:
            return service.embed(c, report, cancelled)
        embedded = await run_phase(ls, ws, name, work, retry=lambda: embed(ls, ws))
        if embedded is None:
            return
        ws.phases.finish(name, f"{embedded} chunks embedded", embedded=embedded,
                         pending=service.pending(collections[0]))


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
