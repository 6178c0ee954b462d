"""Resolving a document URI to its workspace, repository and relative path."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from mira.core.git.repository import RepoInfo, relative_path
from mira.core.workspace import Workspace
from mira.lsp.convert import uri_to_path

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer

READY_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class DocumentRef:
    uri: str
    path: Path
    workspace: Workspace
    repo: RepoInfo | None

    @property
    def rel(self) -> str | None:
        return relative_path(self.path, self.repo.root) if self.repo else None


async def wait_ready(ls: MiraServer) -> bool:
    """Wait (bounded) until the workspaces of ``initialize`` are open."""
    if not ls.state.ready.is_set():
        try:
            await asyncio.wait_for(ls.state.ready.wait(), READY_TIMEOUT_S)
        except TimeoutError:
            return False
    return True


async def resolve(ls: MiraServer, uri: str) -> DocumentRef | None:
    if not await wait_ready(ls):
        return None
    if not uri.startswith("file:"):
        return None
    path = uri_to_path(uri)
    if path is None:
        return None
    ws = ls.state.workspace_for(path)
    if ws is None:
        return None
    return DocumentRef(uri, path, ws, ws.repo_for(path))


def buffer_text(ls: MiraServer, uri: str) -> str | None:
    """The open buffer's text (unsaved edits included), or None when the client has not
    opened the document."""
    document = ls.workspace.text_documents.get(uri)
    return document.source if document is not None else None


async def workspace_for(ls: MiraServer, uri: str | None) -> tuple[Workspace | None, Path | None]:
    """The document's workspace and path, else the first workspace (requests without a file)."""
    if uri:
        doc = await resolve(ls, uri)
        if doc is not None:
            return doc.workspace, doc.path
    await wait_ready(ls)
    return next(iter(ls.state.workspaces.values()), None), None


async def question_workspace(ls: MiraServer, message: str,
                             document: types.TextDocumentIdentifier | None
                             ) -> tuple[Workspace | None, Path | None]:
    """A question's workspace and open file (``mira/chat``, ``mira/context``); an empty
    question is invalid params."""
    if not message.strip():
        raise JsonRpcInvalidParams(message="message must not be empty")
    return await workspace_for(ls, document.uri if document else None)
