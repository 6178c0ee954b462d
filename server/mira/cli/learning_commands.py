"""``mira reasoning list|show|forget``, ``mira profile`` and ``mira memory related``: what
Mira learned, editable, and what its memories relate to.

JSON output has the same shape as ``mira/reasoning``, ``mira/profile`` and
``mira/memoryRelations`` over LSP.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mira.cli.commands import CliError, run_closing, workspace_from
from mira.cli.output import emit_json, show
from mira.core.reasoning import chat_hooks
from mira.core.reasoning.profile import ProfileService, fact_json
from mira.core.reasoning.relations import RelatedMessage, RelationService, message_json
from mira.core.reasoning.service import ReasoningService, pattern_json, render
from mira.core.reasoning.store import Pattern


def _pattern_line(p: Pattern) -> str:
    rate = "not judged" if p.success_rate is None else f"{round(p.success_rate * 100)} %"
    return f"{p.id:4d}  [{p.source}] {p.title} — success {rate}, used {p.uses}x"


def reasoning(args: argparse.Namespace) -> int:
    ws = workspace_from(args)
    service = ws.service(ReasoningService)
    if args.action == "list":
        async def settled_list() -> Any:
            await chat_hooks.settle_kept(ws)  # applied changes kept (or reverted) by now
            return await service.list()
        found = run_closing(ws, settled_list)
        return show(args.json, [pattern_json(p) for p in found], found,
                    "(no reasoning pattern yet: they come from chats that went well, and"
                    " recipes)", _pattern_line)
    if args.id is None:
        raise CliError(f"mira reasoning {args.action} needs a pattern ID")
    if args.action == "show":
        shown = run_closing(ws, lambda: service.show(args.id))
        if shown is None:
            raise CliError(f"no reasoning pattern {args.id}")
        if args.json:
            emit_json(pattern_json(shown, markdown=True))
        else:
            print(f"[{shown.source}] {shown.title}\ntrigger: {shown.trigger}\nkeywords: "
                  f"{', '.join(shown.keywords)}\n\n{render(shown, 1.0)}")
        return 0
    removed = run_closing(ws, lambda: service.forget(args.id))
    if args.json:
        emit_json({"removed": removed})
    else:
        print("forgotten" if removed else f"no reasoning pattern {args.id}")
    return 0 if removed else 1


def profile(args: argparse.Namespace) -> int:
    ws = workspace_from(args)
    service = ws.service(ProfileService)
    if args.action == "set":
        if not args.category or not args.value:
            raise CliError("mira profile set CATEGORY VALUE [--key KEY] (preference, stack,"
                           " style)")
        try:
            fact = run_closing(ws, lambda: service.set(args.category, args.value, args.key))
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        emit_json(fact_json(fact)) if args.json else print(f"{fact.key} = {fact.value}")
        return 0
    if args.action == "forget":
        if not args.category:
            raise CliError("mira profile forget KEY (or 'all')")
        removed = run_closing(ws, lambda: service.forget(args.category))
        emit_json({"removed": removed}) if args.json else print(
            "forgotten" if removed else f"no profile fact {args.category}")
        return 0 if removed else 1
    facts = run_closing(ws, service.facts)
    return show(args.json, [fact_json(f) for f in facts], facts,
                "(nothing learned about you yet)", lambda f: (
                    f"{f.key}\n    {f.value} — confidence {f.confidence:.2f}"
                    f"{' (set by you)' if f.source == 'user' else f', said {f.evidence}x'}"))


def related(args: argparse.Namespace) -> int:
    """The chat messages related to a file, a fact, a profile fact, a pattern or a message."""
    chosen = [(k, v) for k, v in (("file", args.path), ("fact", args.fact),
                                  ("profile", args.profile), ("pattern", args.pattern))
              if v is not None]
    if len(chosen) + (args.message is not None) != 1:
        raise CliError("give exactly one of PATH, --fact, --profile, --pattern, --message")
    ws = workspace_from(args)
    kind, target = chosen[0] if chosen else (None, None)
    if kind == "file" and target:
        given = Path(target).expanduser()
        target = str(given.resolve() if given.is_absolute() or given.exists()
                     else ws.root / given)  # relative to here, else to the workspace
    found = run_closing(ws, lambda: ws.service(RelationService).related(
        kind, str(target) if target is not None else None, args.message, args.limit))
    return show(args.json, {"messages": [message_json(m) for m in found]}, found,
                "(no conversation relates to it yet)", _message_block)


def _message_block(m: RelatedMessage) -> str:
    d = message_json(m)
    head = (f"#{m.id} {d['ts'][:16].replace('T', ' ')} {m.role} [{m.session_id}]: "
            f"{d['excerpt'][:120]}")
    return "\n".join([head, *(f"      {ln.relation} {ln.kind} {ln.target}" for ln in m.links)])


def add_parsers(sub: Any, add_config_flags: Any, workspace_flags: Any) -> None:
    r = sub.add_parser("reasoning", help="reasoning patterns learned from chats and recipes")
    r.add_argument("action", choices=("list", "show", "forget"))
    r.add_argument("id", nargs="?", type=int, default=None, metavar="ID")
    workspace_flags(r)
    add_config_flags(r)
    r.set_defaults(handler=reasoning)

    p = sub.add_parser("profile", help="what Mira learned about you (show, set, forget)")
    p.add_argument("action", nargs="?", choices=("show", "set", "forget"), default="show")
    p.add_argument("category", nargs="?", default=None,
                   help="set: preference|stack|style; forget: the fact's KEY or 'all'")
    p.add_argument("value", nargs="?", default=None)
    p.add_argument("--key", default=None, help="set: the fact this one corrects")
    workspace_flags(p)
    add_config_flags(p)
    p.set_defaults(handler=profile)
