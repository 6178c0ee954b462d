"""``mira/chat`` (streamed with partial results), ``mira/operations``, ``mira/budget`` and
the ``mira.applyArtifact`` command (the only way a proposed change reaches a file)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from mira.core.chat.artifacts import PatchError
from mira.core.chat.models import ArtifactPartial, ChatError, ChatPartial, ChatRequest, ChatSink
from mira.core.chat.operations import Artifact, Operation
from mira.core.chat.service import ChatService
from mira.core.workspace import Workspace
from mira.lsp import protocol_chat as pc
from mira.lsp.convert import iso, path_to_uri
from mira.lsp.documents import buffer_text, question_workspace, workspace_for
from mira.lsp.server import MiraServer  # runtime import: pygls reads command annotations

log = logging.getLogger(__name__)
REQUEST_FAILED = -32803  # LSP's RequestFailed: the request was valid, the work failed


class ChatRequestFailed(JsonRpcException):
    code = REQUEST_FAILED


def _service(ws: Workspace) -> ChatService:
    return ws.service(ChatService)


def _end_position(text: str) -> types.Position:
    lines = text.split("\n")
    return types.Position(len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2)


def _current_text(ls: MiraServer, uri: str, path: Path) -> str | None:
    """The open buffer's text when the client has it open, else the file's, else None."""
    text = buffer_text(ls, uri)
    if text is not None:
        return text
    if path.is_file():
        return path.read_text(encoding="utf-8", errors="replace")
    return None


def workspace_edit(uri: str, current: str | None, new_text: str) -> types.WorkspaceEdit:
    """Replace the whole file (or create it): the client shows it and applies it atomically."""
    changes: list[Any] = []
    if current is None:
        changes.append(types.CreateFile(uri=uri, options=types.CreateFileOptions(
            overwrite=False, ignore_if_exists=True)))
        current = ""
    changes.append(types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
        edits=[types.TextEdit(range=types.Range(types.Position(0, 0), _end_position(current)),
                              new_text=new_text)]))
    return types.WorkspaceEdit(document_changes=changes)


async def artifact_item(ls: MiraServer, ws: Workspace, art: Artifact) -> pc.ArtifactItem:
    path = ws.root / art.path
    uri = path_to_uri(path)
    edit = None
    try:
        new_text = await _service(ws).artifact_content(art)
        edit = workspace_edit(uri, _current_text(ls, uri, path), new_text)
    except (PatchError, OSError) as exc:
        log.info("artifact %s has no edit: %s", art.id, exc)
    return pc.ArtifactItem(id=art.id, path=art.path, uri=uri, language=art.language,
                           sha256=art.sha256, kind=art.kind, content=art.content, edit=edit)


class _LspSink(ChatSink):
    """Partial results on the client's token; status as work-done progress."""

    def __init__(self, ls: MiraServer, ws: Workspace, params: pc.ChatParams) -> None:
        super().__init__(self._partial if params.partial_result_token is not None else None,
                         self._status if params.work_done_token is not None else None)
        self.ls = ls
        self.ws = ws
        self.partial_token = params.partial_result_token
        self.work_token = params.work_done_token
        self.begun = False
        self.artifacts: dict[str, pc.ArtifactItem] = {}  # streamed already: reused in the result

    async def _partial(self, part: ChatPartial) -> None:
        if isinstance(part, ArtifactPartial):  # only this layer knows URIs and edits
            item = await artifact_item(self.ls, self.ws, part.artifact)
            self.artifacts[item.id] = item
            value = {"kind": "artifact", "artifact": self.ls.converter.unstructure(item)}
        else:
            value = part.wire()
        assert self.partial_token is not None
        self.ls.protocol.notify(types.PROGRESS, types.ProgressParams(
            token=self.partial_token, value=value))

    def _status(self, text: str) -> None:
        assert self.work_token is not None
        if not self.begun:
            self.begun = True
            self.ls.work_done_progress.begin(self.work_token, types.WorkDoneProgressBegin(
                title="Mira chat", message=text, cancellable=True))
        else:
            self.ls.work_done_progress.report(self.work_token,
                                              types.WorkDoneProgressReport(message=text))

    def end(self, message: str) -> None:
        if self.begun and self.work_token is not None:
            self.ls.work_done_progress.end(self.work_token,
                                           types.WorkDoneProgressEnd(message=message))


async def chat_result(ls: MiraServer, params: pc.ChatParams) -> pc.ChatResult:
    ws, path = await question_workspace(ls, params.message, params.text_document)
    uri = params.text_document.uri if params.text_document else None
    if ws is None:
        raise ChatRequestFailed(message="no workspace is open")
    selection = None
    line = None
    if params.range is not None:
        line = params.range.start.line
        if path is not None and params.range.start != params.range.end:
            text = _current_text(ls, uri or "", path) or ""
            lines = text.splitlines()[params.range.start.line:params.range.end.line + 1]
            selection = "\n".join(lines) or None
    request = ChatRequest(
        message=params.message, session_id=params.session_id, path=path, line=line,
        selection=selection, reasoning_effort=params.reasoning_effort, preset=params.preset,
        diagnostics=list(params.diagnostics or []))
    sink = _LspSink(ls, ws, params)
    outcome = "cancelled"
    try:
        answer = await _service(ws).chat(request, sink)
        outcome = "done"
    except ValueError as exc:
        outcome = "failed"
        raise JsonRpcInvalidParams(message=str(exc)) from exc
    except ChatError as exc:
        outcome = "failed"
        raise ChatRequestFailed(message=str(exc), data={"operationId": exc.operation_id}
                                ) from None
    finally:
        sink.end(outcome)
    usage = None
    if answer.usage is not None:
        u = answer.usage
        usage = pc.ChatUsage(model=u.model, prompt_tokens=u.prompt_tokens,
                             completion_tokens=u.completion_tokens,
                             reasoning_tokens=u.reasoning_tokens, cost_usd=round(u.cost_usd, 6),
                             cached=u.cached, calls=u.calls)
    return pc.ChatResult(
        operation_id=answer.operation_id, session_id=answer.session_id, state="completed",
        response=answer.response,
        artifacts=[sink.artifacts.get(a.id) or await artifact_item(ls, ws, a)
                   for a in answer.artifacts],
        citations=answer.citations, usage=usage)


def _operation_item(op: Operation, with_events: bool) -> pc.OperationItem:
    return pc.OperationItem(
        id=op.id, session_id=op.session_id, kind=op.kind, state=op.state,
        created_at=iso(op.created_at) or "", updated_at=iso(op.updated_at) or "",
        message=op.message, error=op.error,
        events=[pc.OperationEvent(e.seq, iso(e.ts) or "", e.type, e.data) for e in op.events]
        if with_events else None)


async def operations_result(ls: MiraServer, params: pc.OperationsParams) -> pc.OperationsResult:
    ws, _ = await workspace_for(ls, None)
    if ws is None:
        return pc.OperationsResult(operations=[])
    service = _service(ws)
    if params.operation_id:
        op = await service.operation(params.operation_id)
        if op is None:
            raise JsonRpcInvalidParams(message=f"no operation {params.operation_id!r}")
        return pc.OperationsResult(operations=[_operation_item(op, True)])
    limit = min(max(params.limit or 50, 1), 500)
    ops = await service.list_operations(params.session_id, limit)
    return pc.OperationsResult(operations=[_operation_item(op, False) for op in ops])


async def budget_result(ls: MiraServer) -> pc.BudgetResult:
    ws, _ = await workspace_for(ls, None)
    if ws is None:
        return pc.BudgetResult(configured=False, daily_spent_usd=0.0, monthly_spent_usd=0.0,
                               calls=0, cache_hits=0, cache_hit_rate=0.0, cache_entries=0,
                               cache_bytes=0)
    b = await _service(ws).budget()
    return pc.BudgetResult(
        configured=b.configured, model=b.model, daily_spent_usd=round(b.daily_spent_usd, 6),
        daily_limit_usd=b.daily_limit_usd, monthly_spent_usd=round(b.monthly_spent_usd, 6),
        monthly_limit_usd=b.monthly_limit_usd, calls=b.calls, cache_hits=b.cache_hits,
        cache_hit_rate=round(b.cache_hit_rate, 4), cache_entries=b.cache_entries,
        cache_bytes=b.cache_bytes)


async def apply_artifact(ls: MiraServer, artifact_id: str) -> dict[str, Any]:
    for ws in list(ls.state.workspaces.values()):
        art = await _service(ws).artifact(str(artifact_id))
        if art is None:
            continue
        item = await artifact_item(ls, ws, art)
        if item.edit is None:
            ls.show(f"the proposed change to {art.path} no longer applies to the file")
            return {"applied": False, "reason": "the diff does not apply to the current file"}
        result = await ls.ask_client(ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=item.edit,
                                           label=f"Mira: apply change to {art.path}")),
            "workspace/applyEdit")
        applied = bool(result and result.applied)
        if applied:
            await _service(ws).mark_applied(art.id)
        reason = result.failure_reason if result else "the editor did not apply the edit"
        return {"applied": applied, **({"reason": reason} if reason and not applied else {})}
    raise JsonRpcInvalidParams(message=f"no artifact {artifact_id!r}")


def register(server: MiraServer) -> None:
    server.feature(pc.CHAT)(chat_result)
    server.feature(pc.OPERATIONS)(operations_result)

    @server.feature(pc.BUDGET)
    async def budget(ls: MiraServer, params: pc.BudgetParams) -> pc.BudgetResult:
        return await budget_result(ls)

    @server.command(pc.APPLY_ARTIFACT)
    async def apply_artifact_command(ls: MiraServer, artifact_id: str) -> dict[str, Any]:
        return await apply_artifact(ls, artifact_id)
