"""``mira/status``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from mira import __version__
from mira.core.code.service import CodeService
from mira.lsp import protocol
from mira.lsp.convert import iso
from mira.lsp.documents import wait_ready
from mira.lsp.notices import status_message

if TYPE_CHECKING:
    from mira.core.workspace import WorkspaceStatus
    from mira.lsp.server import MiraServer


def to_protocol(status: WorkspaceStatus) -> protocol.WorkspaceStatus:
    repos = [protocol.RepositoryStatus(
        root=r["root"], state=r["state"], commits_indexed=r["commitsIndexed"],
        last_indexed_head=r["lastIndexedHead"], indexed_at=iso(r["indexedAt"]),
        last_full_index_seconds=r["lastFullIndexSeconds"], last_run_seconds=r["lastRunSeconds"],
        message=r["message"]) for r in status.repositories]
    phases = [protocol.PhaseStatus(
        name=p["name"], title=p["title"], state=p["state"], done=p["done"], total=p["total"],
        message=p["message"], error=p["error"], attempts=p["attempts"],
        started_at=p["startedAt"], finished_at=p["finishedAt"], retry_at=p["retryAt"],
        counts={k: v for k, v in p.items() if k not in _PHASE_FIELDS})
        for p in status.phases]
    return protocol.WorkspaceStatus(root=status.root, data_dir=status.data_dir, git=status.git,
                                    repositories=repos, message=status.message, phases=phases)


_PHASE_FIELDS = {"name", "title", "state", "done", "total", "message", "error", "attempts",
                 "startedAt", "finishedAt", "retryAt"}


def register(server: MiraServer) -> None:
    @server.feature(protocol.STATUS)
    async def status(ls: MiraServer, params: protocol.StatusParams | None
                     ) -> protocol.StatusResult:
        await wait_ready(ls)
        workspaces = []
        for ws in list(ls.state.workspaces.values()):
            item = to_protocol(await ws.status())
            item.message = status_message(ls, ws, item.message)
            workspaces.append(item)
        return protocol.StatusResult(version=__version__, workspaces=workspaces,
                                     extra=await _extra(ls))


async def _extra(ls: MiraServer) -> dict[str, Any]:
    """Per-area status: ``code`` (files, symbols, skipped files, domain clusters) per root."""
    code: dict[str, Any] = {}
    for ws in list(ls.state.workspaces.values()):
        if ws.config.code_enabled:
            try:
                code[str(ws.root)] = await asyncio.to_thread(ws.service(CodeService).status)
            except Exception as exc:
                code[str(ws.root)] = {"message": f"code status unavailable: {exc}"}
    return {"code": code} if code else {}
