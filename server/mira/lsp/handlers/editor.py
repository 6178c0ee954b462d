"""Aggregating handlers: document sync, CodeLens, hover and code actions.

Each concern contributes through ``server.providers`` (see ``mira.lsp.features``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from mira.lsp.features import gather_safely

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer


def register(server: MiraServer) -> None:
    async def notify(ls: MiraServer, uri: str, event: str) -> None:
        await gather_safely("document", [p(ls, uri, event) for p in ls.providers.document])

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: MiraServer, params: types.DidOpenTextDocumentParams) -> None:
        await notify(ls, params.text_document.uri, "open")

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: MiraServer, params: types.DidChangeTextDocumentParams) -> None:
        await notify(ls, params.text_document.uri, "change")

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: MiraServer, params: types.DidSaveTextDocumentParams) -> None:
        await notify(ls, params.text_document.uri, "save")

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: MiraServer, params: types.DidCloseTextDocumentParams) -> None:
        await notify(ls, params.text_document.uri, "close")

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    async def code_lens(ls: MiraServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        if not ls.state.config.code_lens_enabled:
            return []
        parts = await gather_safely("codeLens", [p(ls, params) for p in ls.providers.code_lens])
        return [lens for part in parts if part for lens in part]

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: MiraServer, params: types.HoverParams) -> types.Hover | None:
        parts = await gather_safely("hover", [p(ls, params) for p in ls.providers.hover])
        text = "\n\n---\n\n".join(p for p in parts if p)
        if not text:
            return None
        return types.Hover(contents=types.MarkupContent(types.MarkupKind.Markdown, text))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix,
                                                   types.CodeActionKind.Refactor]),
    )
    async def code_action(ls: MiraServer, params: types.CodeActionParams
                          ) -> list[types.CodeAction]:
        parts = await gather_safely(
            "codeAction", [p(ls, params) for p in ls.providers.code_action])
        return [action for part in parts if part for action in part]
