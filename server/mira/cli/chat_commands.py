"""``mira chat`` (streamed to the terminal), ``mira operations`` and ``mira budget``."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from typing import Any

from mira.cli.commands import (
    CliError,
    open_for_question,
    question_arguments,
    run_closing,
    workspace_from,
)
from mira.cli.output import emit_json
from mira.core.chat.models import (
    EFFORTS,
    ChatError,
    ChatPartial,
    ChatRequest,
    ChatSink,
    TextPartial,
    ToolCallPartial,
    ToolResultPartial,
)
from mira.core.chat.service import ChatService


def _terminal_sink(as_json: bool) -> ChatSink:
    def partial(part: ChatPartial) -> None:
        if as_json:
            emit_json(part.wire())
        elif isinstance(part, TextPartial):
            sys.stdout.write(part.text)
            sys.stdout.flush()
        elif isinstance(part, ToolCallPartial):
            print(f"\n⚙ {part.name} {part.args}", file=sys.stderr)
        elif isinstance(part, ToolResultPartial):
            print(f"  {'✓' if part.ok else '✗'} {part.summary}", file=sys.stderr)

    def status(text: str) -> None:
        if not as_json:
            print(f"… {text}", file=sys.stderr)

    return ChatSink(partial, status)


def chat(args: argparse.Namespace) -> int:
    ws, path, line = open_for_question(args, 'mira chat "where is the config parsed?"')
    request = ChatRequest(args.question, session_id=args.session, path=path, line=line,
                          reasoning_effort=args.effort)
    service = ws.service(ChatService)

    try:
        answer = run_closing(ws, lambda: service.chat(request, _terminal_sink(args.json)))
    except ChatError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        emit_json({"operationId": answer.operation_id, "sessionId": answer.session_id,
                   "response": answer.response,
                   "artifacts": [dataclasses.asdict(a) for a in answer.artifacts],
                   "citations": answer.citations,
                   "usage": dataclasses.asdict(answer.usage) if answer.usage else None})
        return 0
    print()
    for art in answer.artifacts:
        print(f"-- proposed change to {art.path} ({art.kind}, artifact {art.id});"
              " apply it from your editor", file=sys.stderr)
    if answer.usage:
        u = answer.usage
        print(f"-- {u.model}: {u.prompt_tokens} in / {u.completion_tokens} out tokens,"
              f" ${u.cost_usd:.4f}{', cached' if u.cached else ''}; session {answer.session_id}",
              file=sys.stderr)
    return 0


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).isoformat(timespec="seconds")


def operations(args: argparse.Namespace) -> int:
    ws = workspace_from(args)
    service = ws.service(ChatService)

    async def run() -> Any:
        if args.id:
            return [await service.operation(args.id)]
        return await service.list_operations(args.session, args.limit)

    ops = [op for op in run_closing(ws, run) if op is not None]
    if args.id and not ops:
        raise CliError(f"no operation {args.id!r}")
    if args.json:
        for op in ops:
            emit_json(dataclasses.asdict(op))
        return 0
    for op in ops:
        error = f" — {op.error}" if op.error else ""
        print(f"{op.id}  {op.state:<9}  {_when(op.created_at)}  {op.message[:60]!r}{error}")
        for event in op.events:
            print(f"    {event.seq:>3} {_when(event.ts)} {event.type} {event.data}")
    return 0


def budget(args: argparse.Namespace) -> int:
    ws = workspace_from(args)

    report = run_closing(ws, ws.service(ChatService).budget)
    if args.json:
        emit_json(dataclasses.asdict(report))
        return 0

    def limit(value: float | None) -> str:
        return f" of ${value:.2f}" if value is not None else " (no limit)"

    print(f"model: {report.model or 'none configured'}")
    print(f"today: ${report.daily_spent_usd:.4f}{limit(report.daily_limit_usd)}")
    print(f"this month: ${report.monthly_spent_usd:.4f}{limit(report.monthly_limit_usd)}")
    print(f"calls: {report.calls}, cache hits: {report.cache_hits}"
          f" ({report.cache_hit_rate:.0%}), cache: {report.cache_entries} entries,"
          f" {report.cache_bytes / 1024:.1f} KiB")
    return 0


def add_parsers(sub: Any, add_config_flags: Any, workspace_flags: Any) -> None:
    ask = sub.add_parser("chat", help="ask about the codebase (streams the answer)")
    question_arguments(ask)
    ask.add_argument("--effort", choices=EFFORTS, help="reasoning effort, when the model has it")
    ask.add_argument("--session", help="continue this chat session (memory)")
    workspace_flags(ask)
    add_config_flags(ask)
    ask.set_defaults(handler=chat)

    ops = sub.add_parser("operations", help="chat operations and their events")
    ops.add_argument("id", nargs="?", help="one operation, with its events")
    ops.add_argument("--session", help="only this session's operations")
    ops.add_argument("--limit", type=int, default=20)
    workspace_flags(ops)
    add_config_flags(ops)
    ops.set_defaults(handler=operations)

    spend = sub.add_parser("budget", help="model spend, limits and cache hit rate")
    workspace_flags(spend)
    add_config_flags(spend)
    spend.set_defaults(handler=budget)
