"""Code intelligence over LSP: document/workspace symbols, call hierarchy, ``mira/impact``,
``mira/concepts``, ``mira/patterns``, and keeping the code index current (a bulk index
when a workspace opens, per-file re-index on disk changes, incremental re-parse of open
buffers on ``didChange``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types

from mira.core.code.model import CallEdge, Symbol
from mira.core.code.service import CodeService
from mira.core.workspace import Workspace
from mira.lsp.convert import path_to_uri
from mira.lsp.documents import DocumentRef, buffer_text, resolve, wait_ready
from mira.lsp.phase_runner import run_phase
from mira.lsp.protocol_code import (
    CONCEPTS,
    IMPACT,
    PATTERNS,
    CochangedFile,
    ConceptsParams,
    ConceptsResult,
    ImpactCaller,
    ImpactParams,
    ImpactResult,
    PatternItem,
    PatternsParams,
    PatternsResult,
    SymbolItem,
)

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer

log = logging.getLogger(__name__)
Call = TypeVar("Call")  # CallHierarchyIncomingCall or CallHierarchyOutgoingCall

KINDS = {
    "module": types.SymbolKind.Module, "class": types.SymbolKind.Class,
    "function": types.SymbolKind.Function, "method": types.SymbolKind.Method,
    "interface": types.SymbolKind.Interface, "struct": types.SymbolKind.Struct,
    "enum": types.SymbolKind.Enum, "trait": types.SymbolKind.Interface,
    "type": types.SymbolKind.Class,  # Go: `type ID int`, function types, aliases
}


# -- positions: tree-sitter columns are UTF-8 bytes, LSP's are UTF-16 code units -----------
class Columns:
    def __init__(self, ws: Workspace, texts: dict[str, str] | None = None,
                 read_files: bool = True) -> None:
        self.ws = ws
        self.texts = texts or {}
        self.read_files = read_files  # False: byte columns where no open buffer says better
        self._lines: dict[str, list[bytes] | None] = {}

    def _file_lines(self, path: str) -> list[bytes] | None:
        if path not in self._lines:
            text = self.texts.get(path)
            if text is None and not self.read_files:
                return None
            try:
                data = text.encode("utf-8", "surrogateescape") if text is not None else \
                    (self.ws.root / path).read_bytes()
                self._lines[path] = data.split(b"\n")
            except OSError:
                self._lines[path] = None
        return self._lines[path]

    def position(self, path: str, line: int, byte_col: int) -> types.Position:
        lines = self._file_lines(path)
        if lines is None or line >= len(lines) or lines[line].isascii():
            return types.Position(line, byte_col)
        prefix = lines[line][:byte_col].decode("utf-8", "replace")
        return types.Position(line, len(prefix.encode("utf-16-le")) // 2)

    def range(self, path: str, sl: int, sc: int, el: int, ec: int) -> types.Range:
        return types.Range(self.position(path, sl, sc), self.position(path, el, ec))


def _ranges(cols: Columns, s: Symbol) -> tuple[types.Range, types.Range]:
    full = cols.range(s.path, s.start_line, s.start_col, s.end_line, s.end_col)
    sel = cols.range(s.path, s.selection_start_line, s.selection_start_col,
                     s.selection_end_line, s.selection_end_col)
    return full, sel


def to_item(ws: Workspace, cols: Columns, s: Symbol) -> SymbolItem:
    full, sel = _ranges(cols, s)
    return SymbolItem(name=s.name, qualified_name=s.qualified_name, kind=s.kind, path=s.path,
                      uri=path_to_uri(ws.root / s.path), range=full, selection_range=sel,
                      signature=s.signature or None, container=s.parent)


def document_symbols(cols: Columns, symbols: list[Symbol]) -> list[types.DocumentSymbol]:
    """Nested DocumentSymbols (the file's own module symbol is left out)."""
    nodes: dict[str, tuple[Symbol, types.DocumentSymbol]] = {}
    children: dict[int, list[types.DocumentSymbol]] = {}
    roots: list[types.DocumentSymbol] = []
    for s in symbols:
        if s.kind == "module" and s.start_line == 0 and s.parent is None and \
                s.selection_end_col == 0 and s.selection_end_line == 0:
            continue
        full, sel = _ranges(cols, s)
        kids: list[types.DocumentSymbol] = []
        node = types.DocumentSymbol(name=s.name, kind=KINDS.get(s.kind, types.SymbolKind.Object),
                                    range=full, selection_range=sel,
                                    detail=s.signature or None, children=kids)
        children[id(node)] = kids
        parent = nodes.get(s.parent) if s.parent else None
        # nested only inside its parent's range (a Go method is declared beside its type)
        if parent is not None and parent[0].start_line <= s.start_line and \
                s.end_line <= parent[0].end_line:
            children[id(parent[1])].append(node)
        else:
            roots.append(node)
        nodes.setdefault(s.qualified_name, (s, node))
    return roots


GUESS_DETAIL = " · guessed by name"


def hierarchy_item(ws: Workspace, cols: Columns, s: Symbol, guess: bool = False
                   ) -> types.CallHierarchyItem:
    """``guess``: every call behind the item is a guess by name (``detail`` says so)."""
    full, sel = _ranges(cols, s)
    return types.CallHierarchyItem(
        name=s.name, kind=KINDS.get(s.kind, types.SymbolKind.Function),
        uri=path_to_uri(ws.root / s.path), range=full, selection_range=sel,
        detail=s.qualified_name + (GUESS_DETAIL if guess else ""),
        data={"qualifiedName": s.qualified_name, "path": s.path})


def guesses_enabled(ws: Workspace) -> bool:
    return bool(ws.config.code_call_guesses)


def _call_range(cols: Columns, e: CallEdge) -> types.Range:
    return cols.range(e.caller.path, e.line, e.col, e.line, e.col + len(e.callee.name))


def _open_texts(ls: MiraServer, ws: Workspace) -> dict[str, str]:
    texts = {}
    for uri, document in list(ls.workspace.text_documents.items()):
        if uri.startswith("file:"):
            rel = ws.service(CodeService).rel(Path(document.path))
            texts[rel] = document.source
    return texts


def _enabled(ws: Workspace) -> bool:
    return ws.config.code_enabled


# -- keeping the index current ------------------------------------------------------------
async def refresh(ls: MiraServer, ws: Workspace) -> None:
    """Bulk index (changed files only); one run per workspace, coalesced."""
    if not _enabled(ws):
        return
    await ls.state.runs.run(("code", ws.root), lambda: _index_code(ls, ws))


async def _index_code(ls: MiraServer, ws: Workspace) -> None:
    service = ws.service(CodeService)
    report = await run_phase(ls, ws, "code", service.index, title="Mira: indexing code",
                             retry=lambda: refresh(ls, ws))
    if report is not None:
        ws.phases.finish("code", f"{report.parsed} files parsed", files=report.files,
                         symbols=report.symbols, calls=report.calls)
        log.info("code index of %s: %d parsed, %d symbols, %d calls in %.2fs",
                 ws.root, report.parsed, report.symbols, report.calls, report.seconds)


async def on_document(ls: MiraServer, uri: str, event: str) -> None:
    doc = await resolve(ls, uri)
    if doc is None or not _enabled(doc.workspace):
        return
    service = doc.workspace.service(CodeService)
    if event in ("open", "change"):
        text = buffer_text(ls, uri)
        if text is not None:
            await asyncio.to_thread(service.update_buffer, doc.path, text)
        if event == "open" and doc.workspace.root not in ls.state.code_started:
            ls.state.code_started.add(doc.workspace.root)
            ls.state.spawn(refresh(ls, doc.workspace), f"code index {doc.workspace.root}")
    elif event == "save":
        await asyncio.to_thread(service.index_paths, [doc.path])
    elif event == "close":
        service.close_buffer(doc.path)


async def on_opened(ls: MiraServer, ws: Workspace) -> None:
    if _enabled(ws) and ws.root not in ls.state.code_started:
        ls.state.code_started.add(ws.root)
        ls.state.spawn(refresh(ls, ws), f"code index {ws.root}")


BULK_CHANGE_FILES = 100  # more changed files at once (a checkout): a bulk run, in parallel


async def on_files(ls: MiraServer, ws: Workspace, paths: set[str]) -> None:
    if not _enabled(ws):
        return
    if len(paths) > BULK_CHANGE_FILES:
        ls.state.spawn(refresh(ls, ws), f"code index {ws.root}")
        return
    await asyncio.to_thread(ws.service(CodeService).index_paths, [Path(p) for p in paths])


async def _doc(ls: MiraServer, uri: str) -> DocumentRef | None:
    doc = await resolve(ls, uri)
    return doc if doc is not None and _enabled(doc.workspace) else None


async def _at(ls: MiraServer, doc: DocumentRef, position: types.Position) -> Symbol | None:
    return await doc.workspace.service(CodeService).symbol_at(
        doc.path, position.line, position.character, buffer_text(ls, doc.uri))


def register(server: MiraServer) -> None:
    server.providers.document.append(on_document)
    server.providers.workspace_opened.append(on_opened)
    server.providers.files_changed.append(on_files)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(ls: MiraServer, params: types.DocumentSymbolParams
                              ) -> list[types.DocumentSymbol]:
        doc = await _doc(ls, params.text_document.uri)
        if doc is None:
            return []
        text = buffer_text(ls, doc.uri)
        service = doc.workspace.service(CodeService)
        symbols = await service.document_symbols(doc.path, text)
        rel = service.rel(doc.path)
        return document_symbols(Columns(doc.workspace, {rel: text} if text else None), symbols)

    @server.feature(types.WORKSPACE_SYMBOL)
    async def workspace_symbol(ls: MiraServer, params: types.WorkspaceSymbolParams
                               ) -> list[types.WorkspaceSymbol]:
        await wait_ready(ls)
        out: list[types.WorkspaceSymbol] = []
        for ws in list(ls.state.workspaces.values()):
            if not _enabled(ws):
                continue
            symbols = await ws.service(CodeService).workspace_symbols(params.query, 100)
            cols = Columns(ws, _open_texts(ls, ws), read_files=False)  # fast: no file reads
            for s in symbols:
                _, sel = _ranges(cols, s)
                out.append(types.WorkspaceSymbol(
                    name=s.name, kind=KINDS.get(s.kind, types.SymbolKind.Object),
                    location=types.Location(path_to_uri(ws.root / s.path), sel),
                    container_name=s.parent))
        return out

    @server.feature(types.TEXT_DOCUMENT_PREPARE_CALL_HIERARCHY)
    async def prepare_call_hierarchy(ls: MiraServer, params: types.CallHierarchyPrepareParams
                                     ) -> list[types.CallHierarchyItem] | None:
        doc = await _doc(ls, params.text_document.uri)
        if doc is None:
            return None
        symbol = await _at(ls, doc, params.position)
        if symbol is None:
            return None
        return [hierarchy_item(doc.workspace, Columns(doc.workspace), symbol)]

    async def _calls(ls: MiraServer, item: types.CallHierarchyItem, incoming: bool,
                     call: Callable[[types.CallHierarchyItem, list[types.Range]], Call]
                     ) -> list[Call] | None:
        """The item's callers (or callees), each with the ranges of its call sites."""
        doc = await _doc(ls, item.uri)
        if doc is None:
            return None
        data: Any = item.data or {}
        qualified = data.get("qualifiedName") if isinstance(data, dict) else None
        if not qualified:
            return None
        ws = doc.workspace
        service = ws.service(CodeService)
        edges = await (service.callers if incoming else service.callees)(
            qualified, 1, guesses_enabled(ws))
        groups: dict[tuple[str, str, bool], tuple[Symbol, list[CallEdge]]] = {}
        for e in edges:
            other = e.caller if incoming else e.callee
            key = (other.qualified_name, other.path, e.confidence == "name")
            groups.setdefault(key, (other, []))[1].append(e)
        cols = Columns(ws, _open_texts(ls, ws))
        return [call(hierarchy_item(ws, cols, other, guess),
                     [_call_range(cols, e) for e in group])
                for (_, _, guess), (other, group) in groups.items()]

    @server.feature(types.CALL_HIERARCHY_INCOMING_CALLS)
    async def incoming_calls(ls: MiraServer, params: types.CallHierarchyIncomingCallsParams
                             ) -> list[types.CallHierarchyIncomingCall] | None:
        return await _calls(ls, params.item, True, lambda caller, ranges:
                            types.CallHierarchyIncomingCall(from_=caller, from_ranges=ranges))

    @server.feature(types.CALL_HIERARCHY_OUTGOING_CALLS)
    async def outgoing_calls(ls: MiraServer, params: types.CallHierarchyOutgoingCallsParams
                             ) -> list[types.CallHierarchyOutgoingCall] | None:
        return await _calls(ls, params.item, False, lambda callee, ranges:
                            types.CallHierarchyOutgoingCall(to=callee, from_ranges=ranges))

    @server.feature(IMPACT)
    async def impact(ls: MiraServer, params: ImpactParams) -> ImpactResult:
        doc = await _doc(ls, params.text_document.uri)
        if doc is None:
            return ImpactResult(None, [], [], "not a file of an open workspace")
        ws = doc.workspace
        found = await ws.service(CodeService).impact(
            doc.path, params.position.line, max(1, min(params.depth or 3, 10)),
            guesses=guesses_enabled(ws), character=params.position.character,
            text=buffer_text(ls, doc.uri))
        if found is None:
            return ImpactResult(None, [], [], "no symbol at this position")
        cols = Columns(ws, _open_texts(ls, ws))
        items = [ImpactCaller(
            symbol=to_item(ws, cols, e.caller), depth=e.depth,
            call_site=types.Location(path_to_uri(ws.root / e.caller.path), _call_range(cols, e)),
            confidence=e.confidence) for e in found.callers]
        root = found.cochange_root
        cochanged = [CochangedFile(p, path_to_uri(root / p), c)
                     for p, c in found.cochanged] if root is not None else []
        return ImpactResult(to_item(ws, cols, found.symbol), items, cochanged,
                            found.note if not cochanged else None)

    @server.feature(CONCEPTS)
    async def concepts(ls: MiraServer, params: ConceptsParams) -> ConceptsResult:
        await wait_ready(ls)
        items: list[SymbolItem] = []
        for ws in list(ls.state.workspaces.values()):
            if _enabled(ws):
                cols = Columns(ws)
                found = await ws.service(CodeService).concepts(params.query, params.limit or 20)
                items += [to_item(ws, cols, s) for s in found]
        return ConceptsResult(items[:params.limit or 20])

    @server.feature(PATTERNS)
    async def patterns(ls: MiraServer, params: PatternsParams | None) -> PatternsResult:
        await wait_ready(ls)
        uri = params.text_document.uri if params and params.text_document else None
        targets: list[tuple[Workspace, Path | None]] = []
        if uri is not None:
            doc = await _doc(ls, uri)
            if doc is not None:
                targets.append((doc.workspace, doc.path))
        else:
            targets = [(ws, None) for ws in list(ls.state.workspaces.values()) if _enabled(ws)]
        items: list[PatternItem] = []
        for ws, path in targets:
            cols = Columns(ws)
            for m in await ws.service(CodeService).patterns(path):
                items.append(PatternItem(m.pattern, m.confidence, m.evidence,
                                         to_item(ws, cols, m.symbol)))
        return PatternsResult(items)
