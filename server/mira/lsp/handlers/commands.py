"""workspace/executeCommand: opening files, showing co-change lists, reindexing."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from mira.lsp.handlers.cochange import SHOW_COCHANGE, cochange_result
from mira.lsp.handlers.hints import OPEN_FILE
from mira.lsp.indexing import index_workspace
from mira.lsp.server import MiraServer  # runtime import: pygls reads command annotations

REINDEX = "mira.reindex"
PICK_LIMIT = 8


async def open_file(ls: MiraServer, uri: str) -> bool:
    result = await ls.ask_client(ls.window_show_document_async(
        types.ShowDocumentParams(uri=uri, take_focus=True)), "window/showDocument")
    return bool(result and result.success)


def register(server: MiraServer) -> None:
    @server.command(OPEN_FILE)
    async def open_file_command(ls: MiraServer, uri: str) -> bool:
        return await open_file(ls, uri)

    @server.command(SHOW_COCHANGE)
    async def show_cochange(ls: MiraServer, uri: str) -> dict[str, Any]:
        """Offer the partners as message actions; open the chosen one."""
        result = await cochange_result(ls, uri, None)
        if result.items:
            items = result.items[:PICK_LIMIT]
            choice = await ls.ask_client(ls.window_show_message_request_async(
                types.ShowMessageRequestParams(
                    type=types.MessageType.Info,
                    message=f"Files usually changed together with {result.path}:",
                    actions=[types.MessageActionItem(
                        title=f"{i.path} ({round(i.confidence * 100)} %)") for i in items],
                )), "window/showMessageRequest")
            chosen = next((i for i in items if choice is not None
                           and choice.title.startswith(i.path + " ")), None)
            if chosen is not None:
                await open_file(ls, chosen.uri)
        return ls.converter.unstructure(result)

    @server.command(REINDEX)
    async def reindex(ls: MiraServer, *args: Any) -> None:
        for ws in list(ls.state.workspaces.values()):
            if ws.has_git:
                ls.state.spawn(index_workspace(ls, ws, "reindex"), f"reindex {ws.root}")
