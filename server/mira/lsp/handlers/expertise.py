"""Blame + experts: hover, CodeLens, ``mira/experts``, ``mira/blame``, ``mira.showExperts``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from lsprotocol import types

from mira.core.code.service import CodeService
from mira.core.expertise.service import BlameLine, Expert, ExpertiseService
from mira.core.git.cochange import humanize_age
from mira.lsp.convert import file_start_range, iso
from mira.lsp.documents import DocumentRef, buffer_text, resolve
from mira.lsp.protocol_expertise import (
    BLAME,
    EXPERTS,
    BlameParams,
    BlameResult,
    ExpertItem,
    ExpertsParams,
    ExpertsResult,
)
from mira.lsp.server import MiraServer  # runtime import: pygls reads command annotations

SHOW_EXPERTS = "mira.showExperts"
HOVER_EXPERTS = 3
MIN_HOVER_SCORE = 0.01  # authors known only from repository activity stay out of hovers


def expert_line(expert: Expert, now: float) -> str:
    last = f" · last {humanize_age(now - expert.last_commit)}" if expert.last_commit else ""
    commits = f" · {expert.commits} commit{'s' if expert.commits != 1 else ''}"
    return f"{expert.name} — {round(expert.score * 100)} %{commits}{last}"


def blame_markdown(blame: BlameLine, now: float) -> str:
    if blame.pending:
        return "**Last change:** _git blame is still running for this file_"
    if blame.uncommitted:
        return "**Last change:** not committed yet"
    return (f"**Last change:** `{blame.short}` · {blame.author} · "
            f"{humanize_age(now - blame.time)} — {blame.subject}")


async def _service(ls: MiraServer, uri: str) -> tuple[DocumentRef, ExpertiseService] | None:
    doc = await resolve(ls, uri)
    if doc is None or doc.repo is None:
        return None
    return doc, doc.workspace.service(ExpertiseService)


async def hover(ls: MiraServer, params: types.HoverParams) -> str | None:
    found = await _service(ls, params.text_document.uri)
    if found is None:
        return None
    doc, service = found
    now = time.time()
    line = params.position.line
    parts = []
    blame, all_experts = await service.hover(doc.path, line, buffer_text(ls, doc.uri),
                                             HOVER_EXPERTS)
    if blame is not None:
        parts.append(blame_markdown(blame, now))
    experts = [e for e in all_experts if e.score >= MIN_HOVER_SCORE]
    if experts:
        parts.append("**Experts:** " + "; ".join(expert_line(e, now) for e in experts))
    return "\n\n".join(parts) or None


async def code_lens(ls: MiraServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    found = await _service(ls, params.text_document.uri)
    if found is None:
        return []
    doc, service = found
    now = time.time()
    text = buffer_text(ls, doc.uri)
    symbols = await top_level_symbols(doc, text)
    if not symbols:
        symbols = [(file_start_range(), None)]
    # one history lookup for the whole file; each symbol adds only its lines' ownership
    ranked = await service.experts_of_ranges(doc.path, [span for _, span in symbols], 10, text)
    return [types.CodeLens(range=lens_range, command=types.Command(
                title=lens_title(experts, now), command=SHOW_EXPERTS, arguments=[doc.uri]))
            for (lens_range, _), experts in zip(symbols, ranked, strict=True) if experts]


def lens_title(experts: list[Expert], now: float) -> str:
    """'alice +2 authors · changed 3 weeks ago'."""
    last = max(e.last_commit for e in experts)
    others = len(experts) - 1
    more = f" +{others} author{'s' if others != 1 else ''}" if others else ""
    return f"{experts[0].name}{more} · changed {humanize_age(now - last)}"


async def top_level_symbols(doc: DocumentRef, text: str | None
                            ) -> list[tuple[types.Range, tuple[int, int] | None]]:
    """(lens range, (first, last) line) per top-level symbol."""
    symbols = await doc.workspace.service(CodeService).document_symbols(doc.path, text)
    return [(types.Range(types.Position(s.selection_start_line, 0),
                         types.Position(s.selection_start_line, 0)),
             (int(s.start_line), int(s.end_line)))
            for s in symbols if s.parent is None and s.kind != "module"]


async def prefetch_blame(ls: MiraServer, uri: str, event: str) -> None:
    """A file was opened: its blame starts now, so its first hover finds it ready."""
    if event != "open":
        return
    found = await _service(ls, uri)
    if found is not None:
        doc, service = found
        await service.prefetch(doc.path, buffer_text(ls, uri))


def to_item(expert: Expert) -> ExpertItem:
    return ExpertItem(name=expert.name, email=expert.email, score=expert.score,
                      commits=expert.commits, lines=expert.lines,
                      last_commit=iso(expert.last_commit) if expert.last_commit else None,
                      emails=list(expert.emails))


def to_blame(blame: BlameLine) -> BlameResult:
    return BlameResult(commit=blame.commit, short=blame.short, author=blame.author,
                       email=blame.email, time=iso(blame.time) or "", subject=blame.subject,
                       uncommitted=blame.uncommitted)


async def experts_for(ls: MiraServer, uri: str, line: int | None, limit: int | None
                      ) -> ExpertsResult:
    found = await _service(ls, uri)
    if found is None:
        return ExpertsResult(experts=[])
    doc, service = found
    experts = await service.experts(doc.path, line, limit or 5)
    return ExpertsResult(experts=[to_item(e) for e in experts])


def register(server: MiraServer) -> None:
    server.providers.hover.append(hover)
    server.providers.code_lens.append(code_lens)
    server.providers.document.append(prefetch_blame)

    @server.feature(EXPERTS)
    async def experts(ls: MiraServer, params: ExpertsParams) -> ExpertsResult:
        line = params.position.line if params.position else None
        return await experts_for(ls, params.text_document.uri, line, params.limit)

    @server.feature(BLAME)
    async def blame(ls: MiraServer, params: BlameParams) -> BlameResult | None:
        found = await _service(ls, params.text_document.uri)
        if found is None:
            return None
        doc, service = found
        result = await service.blame_line(doc.path, params.line,
                                          buffer_text(ls, params.text_document.uri))
        return to_blame(result) if result else None

    @server.command(SHOW_EXPERTS)
    async def show_experts(ls: MiraServer, uri: str) -> Any:
        result = await experts_for(ls, uri, None, 10)
        if result.experts:
            lines = "\n".join(f"{e.name} <{e.email}> — {round(e.score * 100)} %, "
                              f"{e.commits} commits" for e in result.experts)
            ls.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Info,
                message=f"Experts of {Path(uri).name}:\n{lines}"))
        return ls.converter.unstructure(result)
