"""initialize / initialized / workspace folders / shutdown."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from mira.core.stores.database import DatabaseError
from mira.core.workspace import Workspace
from mira.lsp.convert import uri_to_path
from mira.lsp.features import gather_safely
from mira.lsp.indexing import index_workspace
from mira.lsp.logging_setup import set_level
from mira.lsp.notices import announce_opened, git_missing, take_over_when_free
from mira.lsp.options import parse_options
from mira.lsp.watcher import watch_workspace

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer


def _folders(params: types.InitializeParams) -> list[Path]:
    uris: list[str] = []
    if params.workspace_folders:
        uris = [f.uri for f in params.workspace_folders]
    elif params.root_uri:
        uris = [params.root_uri]
    elif params.root_path:
        return [Path(params.root_path)]
    paths = [uri_to_path(u) for u in uris]
    return [p for p in paths if p is not None]


async def open_workspace(ls: MiraServer, folder: Path) -> Workspace | None:
    state = ls.state
    try:
        ws = Workspace(folder, state.config)
        await asyncio.to_thread(ws.open)
    except (DatabaseError, OSError) as exc:
        ls.show(f"cannot open the index for {folder}: {exc}", types.MessageType.Error)
        return None
    state.workspaces[ws.root] = ws
    announce_opened(ls, ws)
    await gather_safely("workspace_opened", [p(ls, ws) for p in ls.providers.workspace_opened])
    if ws.db.role == "reader":  # another server indexes; take over when it exits
        async def start() -> None:
            await gather_safely("workspace_opened",
                                [p(ls, ws) for p in ls.providers.workspace_opened])
            if ws.has_git and not state.git_missing:
                await index_workspace(ls, ws, "initial")
        state.spawn(take_over_when_free(ls, ws, start), f"await writer {ws.root}")
    if not ws.has_git:
        ls.show(f"{folder} is not a git repository: co-change and history features are off",
                types.MessageType.Info)
        return ws
    if ws.db.role == "writer" and not state.git_missing:
        state.spawn(index_workspace(ls, ws, "initial"), f"index {ws.root}")
    if state.config.watch:
        state.watchers[ws.root] = state.spawn(watch_workspace(ls, ws), f"watch {ws.root}")
    return ws


async def remove_workspace(ls: MiraServer, folder: Path) -> None:
    """A folder left the workspace: stop watching it, then close its index."""
    root = folder.resolve()
    watcher = ls.state.watchers.pop(root, None)
    if watcher is not None:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    ws = ls.state.workspaces.pop(root, None)
    if ws is not None:
        await ws.close()


def register(server: MiraServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: MiraServer, params: types.InitializeParams) -> None:
        config, warnings = parse_options(params.initialization_options)
        ls.state.config = config
        ls.state.pending_folders = _folders(params)
        ls.state.git_missing = git_missing()
        ls.lifetime.watch_client(params.process_id, config.client_poll_s)
        set_level(config.log_level)
        for warning in warnings:
            ls.show(f"invalid setting — {warning}")

    @server.feature(types.INITIALIZED)
    async def initialized(ls: MiraServer, params: types.InitializedParams) -> None:
        for folder in ls.state.pending_folders:
            await open_workspace(ls, folder)
        ls.state.ready.set()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def folders_changed(ls: MiraServer,
                              params: types.DidChangeWorkspaceFoldersParams) -> None:
        for removed in params.event.removed:
            path = uri_to_path(removed.uri)
            if path is not None:
                await remove_workspace(ls, path)
        for added in params.event.added:
            path = uri_to_path(added.uri)
            if path is not None:
                await open_workspace(ls, path)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: MiraServer, params: None) -> None:
        await ls.state.close_workspaces()
