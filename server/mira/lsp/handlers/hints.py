"""Live co-change hints as Information diagnostics, with "open partner" code actions.

A file counts as modified when git status says so (refreshed on file-system
events) or when its open buffer differs from HEAD (unsaved edits). Hints are
recomputed for every open document of the repository, because modifying one file
can satisfy the hint shown on another.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from mira.core.git.repository import RepoInfo, relative_path
from mira.core.workspace import Workspace
from mira.lsp.convert import file_start_range, path_to_uri, uri_to_path
from mira.lsp.documents import buffer_text, resolve

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer

log = logging.getLogger(__name__)

SOURCE = "mira"
CODE = "cochange"
OPEN_FILE = "mira.openFile"

async def modified_now(ls: MiraServer, ws: Workspace, repo: RepoInfo, *,
                       refresh_disk: bool) -> set[str]:
    """The repository's modified files, open buffers' unsaved edits included."""
    buffers: dict[str, str] = {}
    for uri in list(ls.workspace.text_documents):
        path = uri_to_path(uri)
        text = buffer_text(ls, uri) if path is not None and ws.repo_for(path) == repo else None
        if path is not None and text is not None:
            buffers[relative_path(path, repo.root)] = text
    return await ws.modified_now(repo, buffers, refresh_disk=refresh_disk)


async def refresh_repo(ls: MiraServer, ws: Workspace, repo: RepoInfo, *,
                       refresh_disk: bool) -> None:
    if not ls.state.config.hints_enabled:
        return
    modified = await modified_now(ls, ws, repo, refresh_disk=refresh_disk)
    for uri in list(ls.workspace.text_documents):
        path = uri_to_path(uri)
        if path is None or ws.repo_for(path) != repo:
            continue
        hints = await ws.hints(path, modified)
        ls.diagnostics.set(uri, CODE, [
            types.Diagnostic(
                range=file_start_range(),
                message=hint.message,
                severity=types.DiagnosticSeverity.Information,
                source=SOURCE,
                code=CODE,
                data={"partner": hint.partner, "partnerUri": path_to_uri(repo.root / hint.partner),
                      "confidence": hint.confidence, "sharedCommits": hint.shared_commits,
                      "reason": hint.reason},
            ) for hint in hints])


async def on_document(ls: MiraServer, uri: str, event: str) -> None:
    if event == "close":
        ls.diagnostics.set(uri, CODE, [])
    doc = await resolve(ls, uri)
    if doc is None or doc.repo is None:
        return
    await refresh_repo(ls, doc.workspace, doc.repo, refresh_disk=event in ("open", "save"))


async def on_repo_event(ls: MiraServer, ws: Workspace) -> None:
    for repo in ws.repos:
        await refresh_repo(ls, ws, repo, refresh_disk=True)
    if _supports_lens_refresh(ls):
        ls.workspace_code_lens_refresh(None)


def _supports_lens_refresh(ls: MiraServer) -> bool:
    caps = ls.client_capabilities
    lens = caps.workspace.code_lens if caps and caps.workspace else None
    return bool(lens and lens.refresh_support)


async def open_partner_actions(ls: MiraServer, params: types.CodeActionParams
                               ) -> list[types.CodeAction]:
    actions = []
    for diagnostic in params.context.diagnostics:
        if diagnostic.code != CODE or not isinstance(diagnostic.data, dict):
            continue
        partner = diagnostic.data.get("partner")
        partner_uri = diagnostic.data.get("partnerUri")
        if not partner or not partner_uri:
            continue
        actions.append(types.CodeAction(
            title=f"Open {partner} (usually changed together)",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            command=types.Command(title=f"Open {partner}", command=OPEN_FILE,
                                  arguments=[partner_uri]),
        ))
    return actions


def register(server: MiraServer) -> None:
    server.providers.document.append(on_document)
    server.providers.git_indexed.append(on_repo_event)
    server.providers.worktree_changed.append(on_repo_event)
    server.providers.code_action.append(open_partner_actions)
