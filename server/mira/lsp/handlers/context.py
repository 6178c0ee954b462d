"""``mira/context`` (exactly what a model would see) and ``mira/memory`` (list/forget facts)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pygls.exceptions import JsonRpcInvalidParams

from mira.core.context.api import ContextRequest
from mira.core.context.presets import UnknownPreset
from mira.core.context.service import ContextService
from mira.lsp import protocol_context as pc
from mira.lsp.documents import question_workspace, workspace_for

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer

INSPECT_SESSION = "mira-context-inspect"  # a session with no messages: no memory shown


async def context_result(ls: MiraServer, params: pc.ContextParams) -> pc.ContextResult:
    ws, path = await question_workspace(ls, params.message, params.text_document)
    if ws is None:
        return pc.ContextResult(preset="", markdown="", sections=[], skipped=[], tokens=0,
                                system="", citations=[])
    request = ContextRequest(
        message=params.message, session_id=params.session_id or INSPECT_SESSION,
        path=path,
        line=params.position.line if params.position else None,
        selection=params.selection, preset=params.preset,
        budget_used_fraction=params.budget_used_fraction or 0.0,
        diagnostics=list(params.diagnostics or []))
    try:
        answer = await ws.service(ContextService).context(request)
    except UnknownPreset as exc:
        raise JsonRpcInvalidParams(message=str(exc)) from exc
    prompt = answer.prompt
    return pc.ContextResult(
        preset=answer.preset, markdown=answer.markdown,
        sections=[pc.ContextSectionItem(s.title, s.source, s.tokens, s.markdown)
                  for s in prompt.sections],
        skipped=prompt.skipped, tokens=prompt.tokens, system=prompt.system,
        citations=prompt.citations)


async def memory_result(ls: MiraServer, params: pc.MemoryParams) -> pc.MemoryResult:
    if params.action not in ("list", "forget"):
        raise JsonRpcInvalidParams(message=f"action must be list or forget, got"
                                           f" {params.action!r}")
    ws, _ = await workspace_for(ls, None)
    if ws is None:
        return pc.MemoryResult(facts=[], note="no workspace is open")
    service = ws.service(ContextService)
    removed = None
    if params.action == "forget":
        if not params.key:
            raise JsonRpcInvalidParams(message="forget needs a key")
        removed = await service.forget(params.key)
    facts = [pc.MemoryFact(
        key=f.key, value=f.value, confidence=f.confidence, source=f.source,
        updated_at=dt.datetime.fromtimestamp(f.updated_at, tz=dt.UTC).isoformat(
            timespec="seconds"), session_id=f.session_id) for f in await service.facts()]
    note = None
    if removed is False:
        note = f"no fact named {params.key!r}"
    return pc.MemoryResult(facts=facts, removed=removed, note=note)


def register(server: MiraServer) -> None:
    server.feature(pc.CONTEXT)(context_result)
    server.feature(pc.MEMORY)(memory_result)
