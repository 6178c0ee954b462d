"""Reasoning patterns on held-out history: how often a suggested pattern is followed.

The issue's target is "90 % of pattern applications succeed". Real chats with outcomes do
not exist for these repositories, so this replays the only patterns a fresh repository has:
those seeded from change recipes. Protocol:

- Recipes are mined (as ``recipes_eval``) from every non-merge commit but the newest
  ``--holdout`` (default: a fifth, at least 300); each seeds a pattern exactly as
  ``ReasoningService.seed_from_recipes`` does (``recipe_pattern``).
- Each held-out commit, oldest first, is a request: its subject line, written before the
  change (the closest stand-in for what a developer would ask). The production matcher
  (``best_match``: keywords, success-weighted, threshold 0.3; recipe patterns have no
  embedding, so none is used) picks the pattern it would inject as "## Suggested Approach".
  ``--with-file`` also gives it the file the developer was in (the first file the commit
  modified), as an editor's chat request does.
- An *application* is a commit that got a suggestion. It *succeeds* when the developer's
  change followed the suggested steps: the commit created every file the recipe creates, for
  one name, and edited every shared file the recipe edits. ``anchor`` success: it created at
  least the recipe's main file.
- Outcome feedback is replayed too: after each application its result updates the pattern's
  success counts (as a thumbs up/down or a kept/reverted artifact would), so later matches
  are weighted by it. ``--static`` turns that off.

Baselines in the same run: ``top``: always suggest the best-supported recipe's pattern (to
every commit the matcher suggested something for); ``oracle recall``: of the held-out commits
that follow some recipe, how many got a suggestion at all.

    python -m benchmarks.reasoning_eval REPO [REPO...] [--holdout N] [--with-file] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from benchmarks.recipes_eval import mine
from mira.core.reasoning.service import best_match, recipe_pattern
from mira.core.reasoning.store import Pattern
from mira.core.recipes.gitdata import GitReader, change_sets
from mira.core.recipes.mining import ChangeSet
from mira.core.recipes.model import Recipe
from mira.core.recipes.names import name_of, render


def followed(r: Recipe, change: ChangeSet) -> tuple[bool, bool]:
    """(every file created and shared file edited for one name, the main file created)."""
    added, modified = set(change.added), set(change.modified)
    anchor_hit = False
    for path in change.added:
        words = name_of(path, r.anchor)
        if not words:
            continue
        anchor_hit = True
        creates = {render(c.path, words) for c in r.creates}
        if creates <= added and {e.path for e in r.edits} <= modified | added:
            return True, True
    return False, anchor_hit


def evaluate(repo: Path, holdout: int | None = None, with_file: bool = False,
             static: bool = False, min_support: int = 3, shaped: bool = True) -> dict[str, Any]:
    changes = list(change_sets(repo))  # newest first
    holdout = holdout or max(300, len(changes) // 5)
    held, history = changes[:holdout], changes[holdout:]
    reader = GitReader(repo)
    try:
        recipes = mine(repo, history, reader, "latest", min_support)
    finally:
        reader.close()
    by_ref = {f"recipe:{repo}:{r.id}": r for r in recipes}
    patterns = [recipe_pattern(r, f"recipe:{repo}:{r.id}") for r in recipes]
    shapes = {p.source_ref or "": [c.path for c in r.creates]
              for p, r in zip(patterns, recipes, strict=True)}
    top = max(recipes, key=lambda r: r.support) if recipes else None
    rows: list[dict[str, Any]] = []
    follows_some = suggested_when_follows = 0
    for change in reversed(held):
        truth = [r.id for r in recipes if followed(r, change)[0]]
        path = change.modified[0] if with_file and change.modified else None
        found = best_match(patterns, change.subject, path, None, shapes if shaped else None)
        if truth:
            follows_some += 1
            suggested_when_follows += found is not None
        if found is None:
            continue
        pattern, sim = found
        recipe = by_ref[str(pattern.source_ref)]
        ok, anchor_ok = followed(recipe, change)
        rows.append({"commit": change.oid[:10], "subject": change.subject[:100],
                     "pattern": recipe.id, "similarity": round(sim, 3), "success": ok,
                     "anchor": anchor_ok, "top": followed(top, change)[0] if top else False,
                     "truth": truth})
        if not static:  # the outcome updates the pattern, as feedback would
            _settle(pattern, ok)

    def share(key: str) -> float | None:
        return round(statistics.mean(float(r[key]) for r in rows), 3) if rows else None

    return {
        "repo": repo.name, "commits": len(changes), "holdout": len(held),
        "patterns": len(patterns), "applications": len(rows),
        "application_rate": round(len(rows) / len(held), 3) if held else None,
        "success": share("success"), "anchor_success": share("anchor"),
        "top_baseline": share("top"), "follows_some_recipe": follows_some,
        "recall": round(suggested_when_follows / follows_some, 3) if follows_some else None,
        "rows": rows,
    }


def _settle(p: Pattern, good: bool) -> None:
    p.uses += 1
    if good:
        p.successes += 1
    else:
        p.failures += 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repos", nargs="+", type=Path)
    ap.add_argument("--holdout", type=int, default=None)
    ap.add_argument("--with-file", action="store_true",
                    help="also give the matcher the first file the commit modified")
    ap.add_argument("--static", action="store_true", help="no outcome feedback between commits")
    ap.add_argument("--by-extension", action="store_true",
                    help="with --with-file: compare file extensions, not the recipe's shapes "
                         "(the matcher before the shape signal)")
    ap.add_argument("--min-support", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--show", type=int, default=8, help="rows to print per repository")
    args = ap.parse_args(argv)
    for repo in args.repos:
        result = evaluate(repo, args.holdout, args.with_file, args.static, args.min_support,
                          not args.by_extension)
        if args.json:
            print(json.dumps(result))
            continue
        print(f"## {result['repo']}: {result['holdout']} held-out commits, "
              f"{result['patterns']} recipe patterns, {result['applications']} applications "
              f"({result['application_rate']})")
        for k in ("success", "anchor_success", "top_baseline", "follows_some_recipe", "recall"):
            print(f"  {k}: {result[k]}")
        for row in result["rows"][:args.show]:
            print(f"    {'✓' if row['success'] else '✗'} {row['similarity']:.2f} "
                  f"{row['pattern']:28s} {row['subject'][:70]}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
