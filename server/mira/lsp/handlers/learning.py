"""``mira/reasoning`` (list, show, forget patterns), ``mira/feedback`` (thumbs up/down on a
chat answer) and ``mira/profile`` (show, set, forget what Mira learned about the user)."""

from __future__ import annotations

from pygls.exceptions import JsonRpcInvalidParams

from mira.core.chat.service import ChatService
from mira.core.reasoning import chat_hooks
from mira.core.reasoning.profile import ProfileService, fact_json
from mira.core.reasoning.relations import RelatedMessage, RelationService, message_json
from mira.core.reasoning.service import ReasoningService, pattern_json, workspace_path
from mira.core.reasoning.store import Pattern
from mira.core.workspace import Workspace
from mira.lsp import protocol_learning as pl
from mira.lsp.documents import workspace_for
from mira.lsp.server import MiraServer


async def _workspace(ls: MiraServer) -> Workspace:
    ws, _ = await workspace_for(ls, None)
    if ws is None:
        raise JsonRpcInvalidParams(message="no workspace is open")
    return ws


def pattern_item(p: Pattern, markdown: bool = False) -> pl.ReasoningPatternItem:
    d = pattern_json(p, markdown)
    return pl.ReasoningPatternItem(
        id=p.id, title=p.title, source=p.source, keywords=p.keywords, file_kinds=p.file_kinds,
        steps=[pl.ReasoningPatternStep(s.get("tool"), s.get("args"), s.get("text"))
               for s in p.steps],
        plan=p.plan, uses=p.uses, successes=p.successes, failures=p.failures,
        success_rate=p.success_rate, markdown=d.get("markdown"))


def register(server: MiraServer) -> None:
    @server.feature(pl.REASONING)
    async def reasoning(ls: MiraServer, params: pl.ReasoningParams) -> pl.ReasoningResult:
        ws = await _workspace(ls)
        service = ws.service(ReasoningService)
        if params.action == "list":
            await chat_hooks.settle_kept(ws)  # applied changes kept (or reverted) by now
            return pl.ReasoningResult([pattern_item(p) for p in await service.list()])
        if params.id is None or params.action not in ("show", "forget"):
            raise JsonRpcInvalidParams(message="action must be list, or show/forget with an id")
        if params.action == "forget":
            return pl.ReasoningResult([], removed=await service.forget(params.id))
        found = await service.show(params.id)
        if found is None:
            raise JsonRpcInvalidParams(message=f"no reasoning pattern {params.id}")
        return pl.ReasoningResult([pattern_item(found, markdown=True)])

    @server.feature(pl.FEEDBACK)
    async def feedback(ls: MiraServer, params: pl.FeedbackParams) -> pl.FeedbackResult:
        if params.rating not in ("up", "down"):
            raise JsonRpcInvalidParams(message="rating must be 'up' or 'down'")
        for ws in list(ls.state.workspaces.values()):
            if await ws.service(ChatService).operation(params.operation_id) is None:
                continue
            stored = await chat_hooks.rated(ws, params.operation_id, params.rating == "up")
            return pl.FeedbackResult(True, stored.id if stored else None)
        raise JsonRpcInvalidParams(message=f"no operation {params.operation_id!r}")

    @server.feature(pl.PROFILE)
    async def profile(ls: MiraServer, params: pl.ProfileParams) -> pl.ProfileResult:
        service = (await _workspace(ls)).service(ProfileService)
        removed = None
        if params.action == "set":
            try:
                await service.set(params.category or "", params.value or "", params.key)
            except ValueError as exc:
                raise JsonRpcInvalidParams(message=str(exc)) from exc
        elif params.action == "forget":
            if not params.key:
                raise JsonRpcInvalidParams(message="forget needs the fact's key (or 'all')")
            removed = await service.forget(params.key)
        elif params.action != "list":
            raise JsonRpcInvalidParams(message="action must be list, set or forget")
        facts = [pl.ProfileFact(**fact_json(f)) for f in await service.facts()]
        return pl.ProfileResult(facts, removed)

    @server.feature(pl.MEMORY_RELATIONS)
    async def memory_relations(ls: MiraServer, params: pl.MemoryRelationsParams
                               ) -> pl.MemoryRelationsResult:
        ws, path = await workspace_for(ls, params.text_document.uri
                                       if params.text_document else None)
        if ws is None:
            raise JsonRpcInvalidParams(message="no workspace is open")
        kind, target = params.kind, params.target
        if params.text_document is not None:
            kind, target = "file", workspace_path(ws, path)
            if target is None:
                raise JsonRpcInvalidParams(message="the document is outside the workspace")
        if params.message_id is None and (kind is None or not target):
            raise JsonRpcInvalidParams(
                message="give a textDocument, a kind and target, or a messageId")
        try:
            found = await ws.service(RelationService).related(
                kind, target, params.message_id, max(1, min(params.limit or 20, 200)))
        except ValueError as exc:
            raise JsonRpcInvalidParams(message=str(exc)) from exc
        return pl.MemoryRelationsResult([_message(m) for m in found])


def _message(m: RelatedMessage) -> pl.RelatedMessage:
    d = message_json(m)
    return pl.RelatedMessage(
        id=m.id, session_id=m.session_id, operation_id=m.operation_id, role=m.role,
        excerpt=d["excerpt"], ts=d["ts"],
        links=[pl.MemoryLink(ln.kind, ln.target, ln.relation) for ln in m.links])
