"""How well a recipe's scaffolds fared: applied or not, still there, edited since.

A declined scaffold scores 0 at once. An applied one is judged only once
``SETTLE_COMMITS`` commits have landed on top of the HEAD it was applied at: the first
check after that records whether its files are *still present N commits later* and
whether they were edited, scores ``present * (1 - EDIT_PENALTY * edited)`` and is
frozen; until then it is pending and counts for nothing. A recipe with at least
``MIN_EXECUTIONS`` judged executions whose mean score falls below ``RETIRE_BELOW`` is
retired: it stays stored (``mira recipes --all``) but is no longer offered.
"""

from __future__ import annotations

import hashlib
import statistics
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from mira.core.recipes.store import Execution

EDIT_PENALTY = 0.5      # edited afterwards still saved work, but less
SETTLE_COMMITS = 5      # an applied scaffold is judged this many commits later
MIN_EXECUTIONS = 3
RETIRE_BELOW = 0.34


@dataclass
class Score:
    value: float | None     # None while every execution is pending
    executions: int         # judged: declined, or applied and settled
    applied: int
    pending: int = 0        # applied, fewer than SETTLE_COMMITS commits ago

    @property
    def retire(self) -> bool:
        return (self.executions >= MIN_EXECUTIONS and self.value is not None
                and self.value < RETIRE_BELOW)


def _commits_since(repo: Path, oid: str | None) -> int:
    if not oid:
        return 0
    out = subprocess.run(["git", "-C", str(repo), "rev-list", "--count", f"{oid}..HEAD"],
                         capture_output=True, text=True)
    return int(out.stdout.strip() or 0) if out.returncode == 0 else 0


def _state(repo: Path, files: dict[str, str]) -> tuple[float, float]:
    """(share of the created files still present, share of those changed since)."""
    if not files:
        return 1.0, 0.0
    present = edited = 0
    for rel, digest in files.items():
        path = repo / rel
        try:
            data = path.read_bytes() if path.is_file() and not path.is_symlink() else None
        except OSError:
            data = None
        if data is None:
            continue
        present += 1
        if hashlib.sha1(data).hexdigest() != digest:
            edited += 1
    return present / len(files), (edited / present if present else 0.0)


def execution_score(run: Execution, present: float, edited: float) -> float:
    return present * (1 - EDIT_PENALTY * edited) if run.applied else 0.0


def settled(run: Execution) -> bool:
    return run.applied and (run.commits_since or 0) >= SETTLE_COMMITS


def assess(repo: Path, runs: list[Execution]
           ) -> tuple[list[tuple[int, int, float, float]], dict[str, Score]]:
    """Fresh checks ``(execution id, commits since, present, edited)`` of the applied
    executions not yet settled, and per-recipe scores of the judged ones."""
    checks = []
    per_recipe: dict[str, list[tuple[Execution, float | None]]] = defaultdict(list)
    for run in runs:
        if not run.applied:
            per_recipe[run.recipe_id].append((run, 0.0))
            continue
        if not settled(run):  # check again; frozen once SETTLE_COMMITS commits passed
            since = _commits_since(repo, run.head_oid)
            present, edited = _state(repo, run.files)
            checks.append((run.id, since, present, edited))
            run.commits_since, run.present, run.edited = since, present, edited
        per_recipe[run.recipe_id].append(
            (run, execution_score(run, run.present or 0.0, run.edited or 0.0)
             if settled(run) else None))
    scores = {}
    for rid, items in per_recipe.items():
        judged = [s for _, s in items if s is not None]
        scores[rid] = Score(round(statistics.mean(judged), 3) if judged else None, len(judged),
                            sum(r.applied for r, _ in items),
                            sum(s is None for _, s in items))
    return checks, scores
