"""``mira search "QUERY"``: hybrid code and history search from the terminal."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from mira.cli.commands import _index, run_closing, with_progress, workspace_from
from mira.cli.output import emit_json
from mira.core.semantic.service import SearchService


def search(args: argparse.Namespace) -> int:
    ws = workspace_from(args)
    if ws.has_git and not args.no_index:
        _index(ws, quiet=True)
    service = ws.service(SearchService)
    if not args.no_index:
        with_progress("indexing for search", service.index)
    hits = run_closing(ws, lambda: service.search(args.query, args.limit, args.kind or None,
                                                  args.path or None))
    if service.status_message:
        print(f"mira: {service.status_message}", file=sys.stderr)
    if args.json:
        emit_json({"query": args.query, "items": [dataclasses.asdict(h) for h in hits]})
        return 0
    for hit in hits:
        where = f"{hit.path}:{hit.start_line + 1}" if hit.path else f"commit {hit.commit[:10]}" \
            if hit.commit else hit.source
        first = hit.snippet.splitlines()[1:2] or hit.snippet.splitlines()[:1]
        print(f"{where}  {hit.symbol or ''}\n    {first[0].strip() if first else ''}")
    return 0


def add_parsers(sub: Any, add_config_flags: Any, workspace_flags: Any) -> None:
    p = sub.add_parser("search", help="hybrid (keyword + semantic) search of code and history")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--kind", action="append", choices=["code", "git", "conversation"])
    p.add_argument("--path", action="append", help="path prefix filter")
    p.add_argument("--no-index", action="store_true", help="search what is indexed already")
    workspace_flags(p)
    add_config_flags(p)
    p.set_defaults(handler=search)
