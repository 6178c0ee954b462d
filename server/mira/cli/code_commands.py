"""``mira symbols|callers|callees|impact|patterns|concepts``: code intelligence from the
terminal. Each brings the code index up to date first (changed files only) unless
``--no-index``; JSON output uses the same field names as the LSP requests."""

from __future__ import annotations

import argparse
from typing import Any

from mira.cli.commands import _index, _resolve, run_closing, with_progress, workspace_from
from mira.cli.output import emit_json, show
from mira.core.code.model import CallEdge, PatternMatch, Symbol
from mira.core.code.service import CodeService
from mira.core.workspace import Workspace


def symbol_json(s: Symbol) -> dict[str, Any]:
    # line: the `def`/`class` line (the name's), not a decorator's; the range has both
    return {"name": s.name, "qualifiedName": s.qualified_name, "kind": s.kind, "path": s.path,
            "line": s.selection_start_line + 1, "startLine": s.start_line + 1,
            "endLine": s.end_line + 1,
            "signature": s.signature or None, "docstring": s.docstring, "container": s.parent}


def edge_json(e: CallEdge) -> dict[str, Any]:
    return {"caller": symbol_json(e.caller), "callee": symbol_json(e.callee),
            "line": e.line + 1, "depth": e.depth, "confidence": e.confidence}


def pattern_json(m: PatternMatch) -> dict[str, Any]:
    return {"pattern": m.pattern, "confidence": m.confidence, "evidence": m.evidence,
            "symbol": symbol_json(m.symbol)}


def _where(s: Symbol) -> str:
    return f"{s.path}:{s.selection_start_line + 1}"


def _edge_line(e: CallEdge, other: Symbol) -> str:
    """``other`` (the caller or the callee) indented by depth, at the call site."""
    guess = "  (guessed by name)" if e.confidence == "name" else ""
    return f"{'  ' * (e.depth - 1)}{other.qualified_name}  {e.caller.path}:{e.line + 1}{guess}"


def _guesses(ws: Workspace, args: argparse.Namespace) -> bool:
    """Calls guessed by name too: ``--guesses`` or the ``codeCallGuesses`` setting."""
    return bool(args.guesses or ws.config.code_call_guesses)


def _prepare(args: argparse.Namespace) -> tuple[Workspace, CodeService]:
    ws = workspace_from(args)
    service = ws.service(CodeService)
    if not args.no_index:
        with_progress("indexing code", service.index)
    return ws, service


def symbols(args: argparse.Namespace) -> int:
    ws, service = _prepare(args)
    paths = [_resolve(ws, raw) for raw in args.paths]

    async def run() -> list[list[Symbol]]:
        return [await service.document_symbols(path, None) for path in paths]

    for path, found in zip(paths, run_closing(ws, run), strict=True):
        rel = service.rel(path)
        if args.json:
            emit_json({"path": rel, "symbols": [symbol_json(s) for s in found]})
            continue
        print(f"{rel}:")
        depth: dict[str, int] = {}
        for s in found[1:]:  # [0] is the file's module
            level = depth[s.qualified_name] = depth.get(s.parent or "", 0) + 1
            print(f"{'  ' * level}{s.kind:9} {s.qualified_name}  (line {s.start_line + 1})")
    return 0


def _edges(args: argparse.Namespace, incoming: bool) -> int:
    ws, service = _prepare(args)
    method = service.callers if incoming else service.callees
    found = run_closing(ws, lambda: method(args.symbol, args.depth, _guesses(ws, args)))
    return show(args.json, {"symbol": args.symbol, "items": [edge_json(e) for e in found]},
                found, f"(no {'callers' if incoming else 'callees'} of {args.symbol} found)",
                lambda e: _edge_line(e, e.caller if incoming else e.callee))


def callers(args: argparse.Namespace) -> int:
    return _edges(args, True)


def callees(args: argparse.Namespace) -> int:
    return _edges(args, False)


def impact(args: argparse.Namespace) -> int:
    ws, service = _prepare(args)
    if ws.has_git and not args.no_index:
        _index(ws, quiet=True)
    path = _resolve(ws, args.path)
    found = run_closing(ws, lambda: service.impact(path, args.line - 1, args.depth,
                                                   guesses=_guesses(ws, args)))
    if args.json:
        emit_json(None if found is None else {
            "symbol": symbol_json(found.symbol), "callers": [edge_json(e) for e in found.callers],
            "cochanged": [{"path": p, "confidence": c} for p, c in found.cochanged],
            "note": found.note})
        return 0
    if found is None:
        print("(no symbol at that line)")
        return 0
    print(f"{found.symbol.qualified_name} ({found.symbol.kind}, {_where(found.symbol)})")
    print("callers:" if found.callers else "callers: none found")
    for e in found.callers:
        print(f"  {_edge_line(e, e.caller)}")
    if found.cochanged:
        print("usually changed together with its file:")
        for p, c in found.cochanged:
            print(f"  {round(c * 100):3d} %  {p}")
    elif found.note:
        print(f"co-change: {found.note}")
    return 0


def patterns(args: argparse.Namespace) -> int:
    ws, service = _prepare(args)
    path = _resolve(ws, args.path) if args.path else None
    found = run_closing(ws, lambda: service.patterns(path))
    return show(args.json, {"path": service.rel(path) if path else None,
                            "items": [pattern_json(m) for m in found]}, found,
                "(no design pattern detected)", lambda m: "\n".join([
                    f"{m.pattern:10} {m.confidence:.2f}  {m.symbol.qualified_name}"
                    f"  {_where(m.symbol)}", *(f"             - {e}" for e in m.evidence)]))


def concepts(args: argparse.Namespace) -> int:
    ws, service = _prepare(args)
    found = run_closing(ws, lambda: service.concepts(args.word, args.limit))
    return show(args.json, {"query": args.word, "items": [symbol_json(s) for s in found]},
                found, f"(nothing about {args.word!r} found)",
                lambda s: f"{s.kind:9} {s.qualified_name}  {_where(s)}")


def add_parsers(sub: Any, add_config_flags: Any, workspace_flags: Any) -> None:
    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--no-index", action="store_true", help="use what is indexed already")
        workspace_flags(p)
        add_config_flags(p)

    def guesses_flag(p: argparse.ArgumentParser) -> None:
        p.add_argument("--guesses", action="store_true",
                       help="also calls guessed by name (marked; off by default)")

    p = sub.add_parser("symbols", help="the code elements of PATH (classes, functions, ...)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    common(p)
    p.set_defaults(handler=symbols)
    for name, handler, what in (("callers", callers, "who calls SYMBOL"),
                                ("callees", callees, "what SYMBOL calls")):
        p = sub.add_parser(name, help=f"{what} (qualified name, Class.method or name)")
        p.add_argument("symbol")
        p.add_argument("--depth", type=int, default=1, help="follow calls this deep (max 10)")
        guesses_flag(p)
        common(p)
        p.set_defaults(handler=handler)
    p = sub.add_parser("impact", help="what breaks if the symbol at PATH --line N changes")
    p.add_argument("path")
    p.add_argument("--line", type=int, required=True, help="1-based line")
    p.add_argument("--depth", type=int, default=3)
    guesses_flag(p)
    common(p)
    p.set_defaults(handler=impact)
    p = sub.add_parser("patterns", help="design patterns detected in PATH (or everywhere)")
    p.add_argument("path", nargs="?")
    common(p)
    p.set_defaults(handler=patterns)
    p = sub.add_parser("concepts", help="symbols about a concept (e.g. authentication)")
    p.add_argument("word")
    p.add_argument("--limit", type=int, default=20)
    common(p)
    p.set_defaults(handler=concepts)
