"""``mira build`` and ``mira fixes``: build runs and similar past fixes from the terminal."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from mira.cli.commands import CliError, run_closing, workspace_from
from mira.cli.output import day, emit_json, show
from mira.core.build.records import PastFix
from mira.core.build.service import BuildService, BuildStartError


def build(args: argparse.Namespace) -> int:
    ws = workspace_from(args)
    command = [c for c in (args.build_command or []) if c != "--"]
    commands = [" ".join(command)] if command else None
    service = ws.service(BuildService)

    def on_line(line: str) -> None:
        if not args.json and not args.quiet:
            print(line, file=sys.stderr)

    try:
        runs = run_closing(ws, lambda: service.run(commands, on_line=on_line))
    except BuildStartError as exc:
        raise CliError(str(exc)) from exc
    worst = 0
    for r in runs:
        if args.json:
            emit_json(dataclasses.asdict(r))
        else:
            print(f"{r.command}: {r.status} (exit {r.exit_code}) in {r.duration_s:.2f}s,"
                  f" {len(r.errors)} errors" + (f" — {r.message}" if r.message else "")
                  + (f", {len(r.resolved)} resolved" if r.resolved else ""))
            for e in r.errors:
                where = f"{e.path}:{(e.line or 0) + 1}" if e.path else "?"
                print(f"  {where}: [{e.tool}{' ' + e.code if e.code else ''}] {e.message}")
        worst = max(worst, 0 if r.status == "passed" else 1 if r.status == "failed" else 2)
    return worst


def fixes(args: argparse.Namespace) -> int:
    if args.stdin:
        text = sys.stdin.read(16 << 20)
    elif args.error:
        text = args.error
    else:
        raise CliError("give the error with --error TEXT or pipe it with --stdin")
    ws = workspace_from(args)

    found = run_closing(ws, lambda: ws.service(BuildService).fixes_for(text, None, args.limit))
    return show(args.json, {"fixes": [dataclasses.asdict(f) for f in found]}, found,
                "no similar past fix found", _fix_lines)


def _fix_lines(f: PastFix) -> str:
    return "\n".join([
        f"{f.commit[:10]}  {round(f.similarity * 100):3d} %  {f.summary}  ({f.author},"
        f" {day(f.time)})\n    files: {', '.join(f.files[:6])}",
        *("    " + line for line in f.hunk.splitlines()[:12])])


def add_parsers(sub: Any, add_config_flags: Any, workspace_flags: Any) -> None:
    build_p = sub.add_parser("build", help="run the build/test commands and record their errors",
                             description="mira build [-- COMMAND...]: without a command, run"
                             " the configured or detected ones")
    build_p.add_argument("build_command", nargs=argparse.REMAINDER,
                         help="after --: the command to run instead")
    build_p.add_argument("--quiet", action="store_true", help="do not echo the build output")
    workspace_flags(build_p)
    add_config_flags(build_p)
    build_p.set_defaults(handler=build)

    fixes_p = sub.add_parser("fixes", help="past commits that fixed an error like this one")
    fixes_p.add_argument("--error", help="the error text")
    fixes_p.add_argument("--stdin", action="store_true", help="read the error/output from stdin")
    fixes_p.add_argument("--limit", type=int, default=5)
    workspace_flags(fixes_p)
    add_config_flags(fixes_p)
    fixes_p.set_defaults(handler=fixes)
