"""``mira/cochange`` and the "Often changed with" CodeLens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from mira.lsp import protocol
from mira.lsp.convert import cochange_item, file_start_range
from mira.lsp.documents import resolve

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer

SHOW_COCHANGE = "mira.showCochange"
LENS_NAMES = 2
HOVER_PARTNERS = 2


async def cochange_result(ls: MiraServer, uri: str, limit: int | None
                          ) -> protocol.CochangeResult:
    doc = await resolve(ls, uri)
    if doc is None:
        return protocol.CochangeResult(path="", items=[], note="not in an open workspace")
    answer = await doc.workspace.cochange(doc.path, limit)
    root = answer.repo_root
    items = [cochange_item(s, root) for s in answer.items] if root else []
    return protocol.CochangeResult(path=answer.path, items=items, note=answer.note)


async def cochange_lens(ls: MiraServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    result = await cochange_result(ls, params.text_document.uri, None)
    if not result.items:
        return []
    own = result.path.rsplit("/", 1)[-1]
    names = [_lens_name(item, own) for item in result.items[:LENS_NAMES]]
    more = len(result.items) - LENS_NAMES
    title = "Often changed with " + ", ".join(names) + (f" (+{more})" if more > 0 else "")
    return [types.CodeLens(
        range=file_start_range(),
        command=types.Command(title=title, command=SHOW_COCHANGE,
                              arguments=[params.text_document.uri]),
    )]


async def cochange_hover(ls: MiraServer, params: types.HoverParams) -> str | None:
    """'**Often changed with:** `tests/test_x.py` — its test; changed together 23 times, ...'."""
    result = await cochange_result(ls, params.text_document.uri, HOVER_PARTNERS)
    if not result.items:
        return None
    return "**Often changed with:** " + "; ".join(
        f"`{item.path}` — {item.reason}" if item.reason else f"`{item.path}`"
        for item in result.items[:HOVER_PARTNERS])


def _lens_name(item: protocol.CochangeItem, own: str) -> str:
    """'test_x.py (its test)': the file name (with its folder when it is the document's own
    name, e.g. python/fixtures.py), and the non-history evidence if any."""
    parts = item.path.split("/")
    name = "/".join(parts[-2:]) if parts[-1] == own and len(parts) > 1 else parts[-1]
    evidence = [part for part in item.reason.split("; ") if part and not part.startswith(
        "changed together")]
    return f"{name} ({evidence[0]})" if evidence else name


def register(server: MiraServer) -> None:
    server.providers.code_lens.append(cochange_lens)
    server.providers.hover.append(cochange_hover)

    @server.feature(protocol.COCHANGE)
    async def cochange(ls: MiraServer, params: protocol.CochangeParams
                       ) -> protocol.CochangeResult:
        return await cochange_result(ls, params.text_document.uri, params.limit)
