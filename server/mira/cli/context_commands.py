"""``mira context`` (what the model would see) and ``mira memory list|forget`` (what Mira keeps)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from mira.cli import learning_commands
from mira.cli.commands import (
    CliError,
    open_for_question,
    question_arguments,
    run_closing,
    workspace_from,
)
from mira.cli.output import day, emit_json, show
from mira.core.context.api import ContextRequest
from mira.core.context.presets import PRESETS, UnknownPreset
from mira.core.context.service import ContextService

INSPECT_SESSION = "mira-context-inspect"


def context(args: argparse.Namespace) -> int:
    ws, path, line = open_for_question(args, 'mira context "why does X fail?"')
    request = ContextRequest(
        message=args.question, session_id=args.session or INSPECT_SESSION, path=path,
        line=line, preset=args.preset,
        budget_used_fraction=args.budget_used)

    try:
        answer = run_closing(ws, lambda: ws.service(ContextService).context(request))
    except UnknownPreset as exc:
        raise CliError(str(exc)) from exc
    prompt = answer.prompt
    if args.json:
        emit_json({"preset": answer.preset, "markdown": answer.markdown,
                   "sections": [dataclasses.asdict(s) for s in prompt.sections],
                   "skipped": prompt.skipped, "tokens": prompt.tokens,
                   "system": prompt.system, "history": prompt.history,
                   "citations": prompt.citations})
        return 0
    print(prompt.system if args.full else answer.markdown or "(no context sections)")
    print(f"\n-- preset {answer.preset}, {prompt.tokens} tokens in the whole prompt",
          file=sys.stderr)
    for skipped in prompt.skipped:
        print(f"-- skipped {skipped}", file=sys.stderr)
    return 0


def memory(args: argparse.Namespace) -> int:
    ws = workspace_from(args)
    service = ws.service(ContextService)

    async def run() -> Any:
        removed = None
        if args.memory_command == "forget":
            removed = await service.forget(args.key)
        return removed, await service.facts()

    removed, facts = run_closing(ws, run)
    if args.memory_command == "forget":
        if args.json:
            emit_json({"key": args.key, "removed": removed})
        elif removed:
            print(f"forgot {args.key}")
        if not removed:
            if not args.json:
                print(f"mira: no fact named {args.key!r}", file=sys.stderr)
            return 1
        return 0
    return show(args.json, {"facts": [dataclasses.asdict(f) for f in facts]}, facts,
                "(no remembered facts)", lambda f: f"{f.key} = {f.value}  ({f.source},"
                f" confidence {f.confidence:.2f}, {day(f.updated_at)})")


def add_parsers(sub: Any, add_config_flags: Any, workspace_flags: Any) -> None:
    ctx = sub.add_parser("context", help="show exactly the context a model would get")
    question_arguments(ctx)
    ctx.add_argument("--preset", choices=sorted(PRESETS), help="default: chosen automatically")
    ctx.add_argument("--session", help="include this chat session's memory")
    ctx.add_argument("--budget-used", type=float, default=0.0, dest="budget_used",
                     help="fraction of the chat budget spent (drives the preset)")
    ctx.add_argument("--full", action="store_true",
                     help="print the whole system prompt, not only the oracle's sections")
    workspace_flags(ctx)
    add_config_flags(ctx)
    ctx.set_defaults(handler=context)

    mem = sub.add_parser("memory", help="list or forget remembered facts; what memories relate to")
    mem_sub = mem.add_subparsers(dest="memory_command", required=True)
    listing = mem_sub.add_parser("list", help="every remembered fact")
    workspace_flags(listing)
    add_config_flags(listing)
    listing.set_defaults(handler=memory)
    forget = mem_sub.add_parser("forget", help="delete one fact")
    forget.add_argument("key")
    workspace_flags(forget)
    add_config_flags(forget)
    forget.set_defaults(handler=memory)
    rel = mem_sub.add_parser("related", help="the chat messages related to a file, fact, "
                                             "profile fact, pattern or message")
    rel.add_argument("path", nargs="?", default=None, help="a file of the workspace")
    rel.add_argument("--fact", default=None, help="a remembered fact's key")
    rel.add_argument("--profile", default=None, help="a profile fact's key")
    rel.add_argument("--pattern", default=None, help="a reasoning pattern's id")
    rel.add_argument("--message", type=int, default=None, help="a message id")
    rel.add_argument("--limit", type=int, default=20)
    workspace_flags(rel)
    add_config_flags(rel)
    rel.set_defaults(handler=learning_commands.related)
