"""``mira experts`` and ``mira blame``: who knows this code, from the terminal.

JSON output has the same shape as ``mira/experts`` / ``mira/blame`` over LSP.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from mira.cli.commands import _index, _resolve, run_closing, workspace_from
from mira.cli.output import count, emit_json
from mira.core.expertise.service import BlameLine, Expert, ExpertiseService
from mira.core.git.cochange import humanize_age


def _iso(ts: int) -> str | None:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).isoformat(timespec="seconds") if ts else None


def expert_json(expert: Expert) -> dict[str, Any]:
    return {"name": expert.name, "email": expert.email, "score": expert.score,
            "commits": expert.commits, "lines": expert.lines,
            "lastCommit": _iso(expert.last_commit), "emails": list(expert.emails)}


def blame_json(blame: BlameLine) -> dict[str, Any]:
    return {"commit": blame.commit, "short": blame.short, "author": blame.author,
            "email": blame.email, "time": _iso(blame.time) or "", "subject": blame.subject,
            "uncommitted": blame.uncommitted}


def experts(args: argparse.Namespace) -> int:
    ws = workspace_from(args)
    if ws.has_git and not args.no_index:
        _index(ws, quiet=True)
    service = ws.service(ExpertiseService)
    line = args.line - 1 if args.line else None

    async def run() -> list[tuple[str, list[Expert]]]:
        out = []
        for raw in args.paths:
            path = _resolve(ws, raw)
            repo = ws.repo_for(path)
            rel = path.resolve().relative_to(repo.root).as_posix() if repo else raw
            out.append((rel, await service.experts(path, line, args.limit)))
        return out

    now = time.time()
    for rel, found in run_closing(ws, run):
        if args.json:
            emit_json({"path": rel, "experts": [expert_json(e) for e in found]})
            continue
        print(f"{rel}:")
        if not found:
            print("  (no history)")
        for e in found:
            last = f", last {humanize_age(now - e.last_commit)}" if e.last_commit else ""
            emails = ", ".join(f"<{m}>" for m in e.emails) or f"<{e.email}>"
            print(f"  {round(e.score * 100):3d} %  {e.name} {emails} —"
                  f" {count(e.commits, 'commit')}, {count(e.lines, 'line')}{last}")
    return 0


def blame(args: argparse.Namespace) -> int:
    ws = workspace_from(args)
    service = ws.service(ExpertiseService)

    found = run_closing(ws, lambda: service.blame_line(_resolve(ws, args.path), args.line - 1))
    if args.json:
        emit_json(blame_json(found) if found else None)
    elif found is None:
        print("(no blame for that line)")
    else:
        print(f"{found.short} {found.author} {humanize_age(time.time() - found.time)}"
              f" — {found.subject}")
    return 0


def add_parsers(sub: Any, add_config_flags: Any, workspace_flags: Any) -> None:
    p = sub.add_parser("experts", help="who knows PATH (or the symbol at --line)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--line", type=int, default=None, help="1-based line: the enclosing symbol")
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--no-index", action="store_true")
    workspace_flags(p)
    add_config_flags(p)
    p.set_defaults(handler=experts)

    b = sub.add_parser("blame", help="last change of a line")
    b.add_argument("path", metavar="PATH")
    b.add_argument("--line", type=int, required=True, help="1-based line")
    workspace_flags(b)
    add_config_flags(b)
    b.set_defaults(handler=blame)
