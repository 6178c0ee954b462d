"""Change recipes on held-out history: path-set accuracy and content token F1.

Protocol: recipes are mined from every non-merge commit but the newest ``--holdout``
ones (default: a fifth of them, at least 300). Each held-out commit whose main new
file (source before tests and docs) is shaped like a recipe's anchor template (the
recipe with the most support, if several) is scaffolded with the name read from
that file, against the parent commit's tree. A commit's path set is right
when the scaffold creates exactly the files the commit created for the name (its
added files that spell the name) and every file it edits was also edited by the
commit; ``strict`` compares with every file the commit added, also those of other
work in the same commit. Content: token F1 of each created file that
the commit also added, against what the developer wrote.

Baselines in the same run: ``anchor-only`` creates just the anchor file (what
copying one similar file gives); ``latest`` content is the newest instance with
the name replaced, ``skeleton`` keeps only the lines instances share.

    python -m benchmarks.recipes_eval REPO [REPO...] [--holdout N] [--json]
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from mira.core.recipes.gitdata import GitReader, change_sets
from mira.core.recipes.mining import ChangeSet, anchor, cluster
from mira.core.recipes.model import Recipe, build, recipe_id
from mira.core.recipes.names import abstract, has_placeholder, name_of, split_words
from mira.core.recipes.scaffold import scaffold

_TOKEN = re.compile(r"\w+|[^\s\w]")


def token_f1(predicted: str, actual: str) -> float:
    p, a = Counter(_TOKEN.findall(predicted)), Counter(_TOKEN.findall(actual))
    if not p and not a:
        return 1.0
    common = sum((p & a).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(a.values())
    return 2 * precision * recall / (precision + recall)


def mine(repo: Path, history: list[ChangeSet], reader: GitReader, mode: str,
         min_support: int = 3) -> list[Recipe]:
    taken: set[str] = set()
    return [build(c, recipe_id(c.key, taken), reader.text, reader.added_lines, mode)
            for c in cluster(history, min_support)]


def _at(fn: Any, rev: str, path: str) -> Any:
    return fn(rev, path)


def match(recipes: list[Recipe], change: ChangeSet) -> tuple[Recipe, str] | None:
    """The recipe a user would pick for the commit's main new file (source before tests and
    docs): the best-supported one whose anchor template is shaped like that file."""
    if not change.added:
        return None
    primary = anchor(change.added)
    best: tuple[Recipe, str] | None = None
    for r in recipes:
        words = name_of(primary, r.anchor)
        if words and (best is None or r.support > best[0].support):
            best = (r, "_".join(words))
    return best


def evaluate(repo: Path, holdout: int | None = None, min_support: int = 3) -> dict[str, Any]:
    changes = list(change_sets(repo))  # newest first
    holdout = holdout or max(300, len(changes) // 5)
    held, history = changes[:holdout], changes[holdout:]
    reader = GitReader(repo)
    try:
        recipes = {m: mine(repo, history, reader, m, min_support) for m in ("skeleton", "latest")}
        rows = []
        for change in reversed(held):
            found = match(recipes["skeleton"], change)
            if found is None or change.parent is None:
                continue
            recipe, name = found
            parent = change.parent
            row: dict[str, Any] = {"commit": change.oid[:10], "recipe": recipe.id, "name": name}
            for mode in ("skeleton", "latest"):
                r = next(x for x in recipes[mode] if x.id == recipe.id)
                s = scaffold(r, name, functools.partial(_at, reader.text, parent),
                             functools.partial(_at, reader.exists, parent))
                created = {c.path: c.content or "" for c in s.changes if c.kind == "create"}
                edited = {c.path for c in s.changes if c.kind == "edit"}
                if mode == "skeleton":
                    # the files the commit created for this name (other new files in the
                    # same commit are other work); strict: every file the commit added
                    words = split_words(name)
                    actual = {p for p in change.added if has_placeholder(abstract(p, words))}
                    main_file = anchor(change.added)
                    row["exact"] = set(created) == actual and edited <= set(change.modified)
                    row["strict"] = set(created) == set(change.added) and edited <= set(
                        change.modified)
                    row["anchor_only"] = actual == {main_file}
                    row["anchor_only_strict"] = set(change.added) == {main_file}
                    predicted = set(created) | edited
                    truth = actual | set(change.modified)
                    row["jaccard"] = len(predicted & truth) / len(predicted | truth)
                    row["edits"] = len(edited)
                f1s = [token_f1(text, reader.text(change.oid, p) or "")
                       for p, text in created.items() if p in change.added]
                row[f"f1_{mode}"] = statistics.mean(f1s) if f1s else None
            rows.append(row)
    finally:
        reader.close()

    def mean(key: str) -> float | None:
        vals = [float(r[key]) for r in rows if r.get(key) is not None]
        return round(statistics.mean(vals), 3) if vals else None

    return {
        "repo": repo.name, "commits": len(changes), "holdout": len(held),
        "recipes": [{"id": r.id, "title": r.title, "files": r.files, "support": r.support,
                     "edits": [e.lines for e in r.edits]} for r in recipes["skeleton"]],
        "matched": len(rows), "path_set_accuracy": mean("exact"),
        "strict_accuracy": mean("strict"), "anchor_only_accuracy": mean("anchor_only"),
        "anchor_only_strict": mean("anchor_only_strict"),
        "jaccard": mean("jaccard"), "f1_skeleton": mean("f1_skeleton"),
        "f1_latest": mean("f1_latest"), "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repos", nargs="+", type=Path)
    ap.add_argument("--holdout", type=int, default=None,
                    help="newest non-merge commits held out (default: a fifth, at least 300)")
    ap.add_argument("--min-support", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    for repo in args.repos:
        result = evaluate(repo, args.holdout, args.min_support)
        if args.json:
            print(json.dumps(result))
            continue
        print(f"## {result['repo']}: {result['commits']} commits, {len(result['recipes'])} "
              f"recipes, {result['matched']} held-out commits matched")
        for r in result["recipes"][:15]:
            print(f"  {r['support']:4d}  {r['id']:30s} {r['title']}  {r['files']}")
        for k in ("path_set_accuracy", "strict_accuracy", "anchor_only_accuracy",
                  "anchor_only_strict", "jaccard",
                  "f1_skeleton", "f1_latest"):
            print(f"  {k}: {result[k]}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
