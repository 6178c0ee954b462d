"""Implementations of the ``mira`` subcommands."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from mira.cli.output import ProgressBar, count, emit_json
from mira.core.code.service import CodeService
from mira.core.config import MiraConfig, load, settings_fields
from mira.core.git.cochange import humanize_age
from mira.core.semantic.service import SearchService
from mira.core.stores.database import DatabaseError
from mira.core.workspace import Workspace

T = TypeVar("T")


class CliError(Exception):
    pass


def config_from(args: argparse.Namespace) -> MiraConfig:
    flags = {f.name: getattr(args, f"cfg_{f.name}") for f in settings_fields()
             if getattr(args, f"cfg_{f.name}", None) is not None}
    config, warnings = load(flags)
    for warning in warnings:
        print(f"mira: {warning.replace('initializationOptions', 'flag')}", file=sys.stderr)
    return config


def workspace_from(args: argparse.Namespace) -> Workspace:
    """The workspace a command names (``--workspace``, default the current directory), opened
    with the settings its flags give."""
    return open_workspace(args.workspace, config_from(args))


def open_workspace(folder: str, config: MiraConfig) -> Workspace:
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise CliError(f"{folder} is not a directory")
    ws = Workspace(root, config)
    try:
        ws.open()
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc
    return ws


def with_progress(title: str, work: Callable[[ProgressBar], T], quiet: bool = False) -> T:
    """``work(bar)`` with a progress bar on a terminal, closed however the work ends."""
    bar = ProgressBar(title)
    if quiet:
        bar.enabled = False
    try:
        return work(bar)
    finally:
        bar.close()


def run_closing(ws: Workspace, call: Callable[[], Awaitable[T]]) -> T:
    """Run ``call()`` on a fresh event loop, then close the workspace (also on error)."""
    async def run() -> T:
        try:
            return await call()
        finally:
            await ws.close()
    return asyncio.run(run())


def _index(ws: Workspace, quiet: bool = False) -> list[Any]:
    return with_progress("indexing git history", ws.index_git, quiet)


def index_for_questions(ws: Workspace) -> None:
    """Git history, then code intelligence, then the search index (it reads both)."""
    if ws.has_git:
        _index(ws, quiet=True)
    with_progress("indexing code", ws.service(CodeService).index)
    with_progress("indexing for search", ws.service(SearchService).index)


def serve(args: argparse.Namespace) -> int:
    from mira.lsp.handlers import create_server
    from mira.lsp.logging_setup import setup

    config = config_from(args)
    setup(config.log_level)
    server = create_server()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        server.start_io()
    return 0


def index(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    folder = args.workspace
    if args.path is not None:
        if folder != "." and Path(folder).resolve() != Path(args.path).resolve():
            raise CliError(f"two workspaces given: {args.path} and --workspace {folder}")
        folder = args.path
    ws = open_workspace(folder, config_from(args))
    if not ws.has_git:
        print(f"mira: {ws.root} is not a git repository; nothing to index", file=sys.stderr)
        return 0
    results = _index(ws)
    for repo, r in zip(ws.repos, results, strict=True):
        if args.json:
            emit_json({"repository": str(repo.root), "head": r.head, "added": r.added,
                       "removed": r.removed, "seconds": round(r.seconds, 3), "state": r.state})
        else:
            print(f"indexed {r.added} new commits ({r.removed} removed) in {r.seconds:.2f}s"
                  f" — HEAD {r.head[:10] if r.head else '(none)'}", file=sys.stderr)
    asyncio.run(ws.close())
    return 0


def status(args: argparse.Namespace) -> int:
    ws = workspace_from(args)

    result = run_closing(ws, ws.status)
    if args.json:
        emit_json(dataclasses.asdict(result))
        return 0
    print(f"workspace  {result.root}\ndata       {result.data_dir}")
    if result.message:
        print(result.message)
    for repo in result.repositories:
        head = (repo["lastIndexedHead"] or "")[:10] or "-"
        print(f"repository {repo['root']}: {repo['state']}, {repo['commitsIndexed']} commits,"
              f" HEAD {head}" + (f" ({repo['message']})" if repo["message"] else ""))
    return 0


def cochange(args: argparse.Namespace) -> int:
    ws = workspace_from(args)
    if ws.has_git and not args.no_index:
        _index(ws, quiet=args.json)

    async def run() -> list[Any]:
        return [await ws.cochange(_resolve(ws, p), args.limit) for p in args.paths]

    now = dt.datetime.now(dt.UTC).timestamp()
    for answer in run_closing(ws, run):
        items = [{
            "path": s.path,
            "confidence": s.confidence,
            "sharedCommits": s.shared_commits,
            "lastChangedTogether": dt.datetime.fromtimestamp(
                s.last_changed_together, tz=dt.UTC).isoformat(timespec="seconds"),
            "reason": s.reason,
        } for s in answer.items]
        if args.json:
            emit_json({"path": answer.path, "items": items,
                       **({"note": answer.note} if answer.note else {})})
            continue
        print(f"{answer.path}:")
        if not items:
            print(f"  ({answer.note or 'no suggestions'})")
        for s in answer.items:
            print(f"  {round(s.confidence * 100):3d} %  {s.path}  —"
                  f" {count(s.shared_commits, 'commit')},"
                  f" last {humanize_age(now - s.last_changed_together)}")
    return 0


def _resolve(ws: Workspace, raw: str) -> Path:
    """A PATH argument: relative paths belong to the workspace (``--workspace``, default the
    current directory), never to wherever the command happens to run."""
    path = Path(raw).expanduser()
    return path if path.is_absolute() else ws.root / path


def question_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments ``open_for_question`` reads."""
    parser.add_argument("question")
    parser.add_argument("--file", help="the open file (path)")
    parser.add_argument("--line", type=int, help="the cursor line (1-based)")
    parser.add_argument("--no-index", action="store_true",
                        help="do not bring the git, code and search indexes up to date first")


def open_for_question(args: argparse.Namespace, example: str
                      ) -> tuple[Workspace, Path | None, int | None]:
    """Workspace (indexes brought up to date), open file and 0-based line of a question
    command (``mira context``, ``mira chat``): ``--file``, ``--line``, ``--no-index``.

    The git, code and search indexes are all brought up to date (each incrementally: only
    new commits, changed files, changed chunks) so the context has code search, concepts
    and the call graph, not only history."""
    if not args.question.strip():
        raise CliError(f"give a question, e.g. {example}")
    if args.line is not None and args.line < 1:
        raise CliError("--line is 1-based and must be at least 1")
    ws = workspace_from(args)
    if not args.no_index:
        index_for_questions(ws)
    path = _resolve(ws, args.file) if args.file else None
    if path is not None and not path.exists():
        raise CliError(f"{args.file} does not exist")
    return ws, path, args.line - 1 if args.line is not None else None
