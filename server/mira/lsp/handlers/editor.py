"""Aggregating handlers: document sync, CodeLens, hover and code actions.

Each concern contributes through ``server.providers`` (see ``mira.lsp.features``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from lsprotocol import types

from mira.lsp.features import gather_safely

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer


DocumentParams = (types.DidOpenTextDocumentParams | types.DidChangeTextDocumentParams
                  | types.DidSaveTextDocumentParams | types.DidCloseTextDocumentParams)
DocumentHandler = Callable[["MiraServer", DocumentParams], Awaitable[None]]


def register(server: MiraServer) -> None:
    def document_event(event: str) -> DocumentHandler:
        async def handler(ls: MiraServer, params: DocumentParams) -> None:
            uri = params.text_document.uri
            await gather_safely("document", [p(ls, uri, event) for p in ls.providers.document])
        return handler

    for method, event in ((types.TEXT_DOCUMENT_DID_OPEN, "open"),
                          (types.TEXT_DOCUMENT_DID_CHANGE, "change"),
                          (types.TEXT_DOCUMENT_DID_SAVE, "save"),
                          (types.TEXT_DOCUMENT_DID_CLOSE, "close")):
        server.feature(method)(document_event(event))

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
