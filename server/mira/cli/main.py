"""``mira`` command line: serve, index, status and query commands.

Query commands print human text by default and one JSON object per input path
per line with ``--json``. Settings come from ``MIRA_*`` variables and flags of
the same names as the LSP initialization options.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from mira import __version__
from mira.cli import commands
from mira.core.config import settings_fields

Handler = Callable[[argparse.Namespace], int]


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("settings (also MIRA_* environment variables)")
    for f in settings_fields():
        flag = "--" + f.name.replace("_", "-")
        kwargs = {"dest": f"cfg_{f.name}", "default": None, "help": f.metadata.get("help")}
        group.add_argument(flag, **kwargs)  # type: ignore[arg-type]


def _workspace_flags(parser: argparse.ArgumentParser, json_flag: bool = True) -> None:
    parser.add_argument("--workspace", default=".", help="workspace folder (default: .)")
    if json_flag:
        parser.add_argument("--json", action="store_true", help="one JSON object per line")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mira", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"mira {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    serve.add_argument("--stdio", action="store_true", help="(default) use stdin/stdout")
    _add_config_flags(serve)
    serve.set_defaults(handler=commands.serve)

    index = sub.add_parser("index", help="index the workspace's git history")
    index.add_argument("path", nargs="?", default=None,
                       help="workspace folder (the same as --workspace)")
    _workspace_flags(index)
    _add_config_flags(index)
    index.set_defaults(handler=commands.index)

    status = sub.add_parser("status", help="what is indexed")
    _workspace_flags(status)
    _add_config_flags(status)
    status.set_defaults(handler=commands.status)

    cochange = sub.add_parser("cochange", help="files usually changed together with PATH")
    cochange.add_argument("paths", nargs="+", metavar="PATH")
    cochange.add_argument("--limit", type=int, default=None)
    cochange.add_argument("--no-index", action="store_true",
                          help="do not bring the index up to date first")
    _workspace_flags(cochange)
    _add_config_flags(cochange)
    cochange.set_defaults(handler=commands.cochange)

    # -- build errors and historical fixes --
    from mira.cli import build_commands
    build_commands.add_parsers(sub, _add_config_flags, _workspace_flags)

    # -- expertise and blame --
    from mira.cli import expertise_commands
    expertise_commands.add_parsers(sub, _add_config_flags, _workspace_flags)

    # -- context oracle and memory --
    from mira.cli import context_commands
    context_commands.add_parsers(sub, _add_config_flags, _workspace_flags)

    # -- semantic search --
    from mira.cli import search_commands
    search_commands.add_parsers(sub, _add_config_flags, _workspace_flags)

    # -- chat --
    from mira.cli import chat_commands
    chat_commands.add_parsers(sub, _add_config_flags, _workspace_flags)

    # -- code intelligence --
    from mira.cli import code_commands
    code_commands.add_parsers(sub, _add_config_flags, _workspace_flags)

    # -- change recipes --
    from mira.cli import recipe_commands
    recipe_commands.add_parsers(sub, _add_config_flags, _workspace_flags)

    # -- learning: reasoning patterns, profile --
    from mira.cli import learning_commands
    learning_commands.add_parsers(sub, _add_config_flags, _workspace_flags)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except commands.CliError as exc:
        print(f"mira: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
