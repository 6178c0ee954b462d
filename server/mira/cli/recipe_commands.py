"""``mira recipes`` and ``mira scaffold``: change recipes from the terminal.

``mira scaffold`` prints the proposed changes and never writes a file. JSON output
has the same shape as ``mira/recipes`` / ``mira/scaffold`` over LSP.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from mira.cli.commands import CliError, run_closing, workspace_from
from mira.cli.output import count, emit_json, show
from mira.core.git.cochange import humanize_age
from mira.core.recipes.model import Recipe, recipe_json
from mira.core.recipes.scaffold import ScaffoldError
from mira.core.recipes.service import RecipeService


def _refine(ws: Any, service: RecipeService, rid: str, as_json: bool) -> int:
    from mira.core.chat.service import ChatService
    from mira.core.recipes.refine import RefineError
    completer = ws.service(ChatService).completer()
    if completer is None:
        raise CliError("refining needs a language model (OPENAI_API_KEY / --llm-base-url)")
    try:
        recipe, note = run_closing(ws, lambda: service.refine_with_model(rid, completer))
    except (ScaffoldError, RefineError) as exc:
        raise CliError(str(exc)) from exc
    finally:
        completer.close()
    if as_json:
        emit_json(recipe_json(recipe) | {"note": note})
    else:
        print(f"{recipe.id}: version {recipe.version} — {note}")
    return 0


def _history(ws: Any, service: RecipeService, rid: str, as_json: bool) -> int:
    found = run_closing(ws, lambda: service.history(rid))
    return show(as_json, found, found, f"(no versions of {rid})",
                lambda v: f"v{v['version']} [{v['source']}] {v['note'] or ''}".rstrip())


def recipes(args: argparse.Namespace) -> int:
    ws = workspace_from(args)
    service = ws.service(RecipeService)
    if args.refine:
        return _refine(ws, service, args.refine, args.json)
    if args.history:
        return _history(ws, service, args.history, args.json)
    try:
        found = run_closing(ws, lambda: service.recipes(include_retired=args.all))
    except ScaffoldError as exc:
        raise CliError(str(exc)) from exc
    now = time.time()
    return show(args.json, [recipe_json(r) for r in found], found,
                "(no recipe: no change shape recurs often enough in this history)",
                lambda r: _recipe_lines(r, now))


def _recipe_lines(r: Recipe, now: float) -> str:
    retired = " [retired]" if r.retired else ""
    lines = [f"{r.id}{retired} — {r.title} ({count(r.support, 'commit')}, last "
             f"{humanize_age(now - r.last_used)})", *(f"    {path}" for path in r.files)]
    if r.examples:
        lines.append(f"    e.g. {r.examples[0].commit[:10]} {r.examples[0].subject}")
    return "\n".join(lines)


def scaffold(args: argparse.Namespace) -> int:
    ws = workspace_from(args)
    service = ws.service(RecipeService)
    try:
        result = run_closing(ws, lambda: service.scaffold(args.recipe, args.name))
    except ScaffoldError as exc:
        raise CliError(str(exc)) from exc
    if args.json:
        emit_json(result.to_json())
        return 0
    for change in result.changes:
        if change.kind == "create":
            print(f"create {change.path}")
            for line in (change.content or "").splitlines():
                print(f"  + {line}")
        else:
            print(f"edit {change.path}")
            for e in change.edits:
                print(f"  @{e.line + 1} + {e.text.rstrip()}")
    for note in result.notes:
        print(f"note: {note}")
    print("(nothing written: apply it from your editor, or by hand)")
    return 0


def add_parsers(sub: Any, add_config_flags: Any, workspace_flags: Any) -> None:
    p = sub.add_parser("recipes", help="recurring change shapes mined from git history")
    p.add_argument("--all", action="store_true", help="also retired recipes")
    p.add_argument("--refine", metavar="RECIPE_ID", default=None,
                   help="let the configured model refine the recipe's templates (a new version)")
    p.add_argument("--history", metavar="RECIPE_ID", default=None,
                   help="the recipe's versions (mined, refined by the model)")
    workspace_flags(p)
    add_config_flags(p)
    p.set_defaults(handler=recipes)

    s = sub.add_parser("scaffold", help="the changes RECIPE makes for NAME (never written)")
    s.add_argument("recipe", metavar="RECIPE_ID")
    s.add_argument("name", metavar="NAME")
    workspace_flags(s)
    add_config_flags(s)
    s.set_defaults(handler=scaffold)
