"""How well a recipe's scaffolds fared: applied or not, still there, edited since.

An execution scores ``present * (1 - EDIT_PENALTY * edited)`` once applied and 0
when it was offered and not applied. A recipe with at least ``MIN_EXECUTIONS``
executions whose mean score falls below ``RETIRE_BELOW`` is retired: it stays
stored (``mira recipes --all``) but is no longer offered.
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
MIN_EXECUTIONS = 3
RETIRE_BELOW = 0.34


@dataclass
class Score:
    value: float
    executions: int
    applied: int

    @property
    def retire(self) -> bool:
        return self.executions >= MIN_EXECUTIONS and self.value < RETIRE_BELOW


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


def assess(repo: Path, runs: list[Execution]
           ) -> tuple[list[tuple[int, int, float, float]], dict[str, Score]]:
    """Fresh checks ``(execution id, commits since, present, edited)`` and per-recipe scores."""
    checks = []
    per_recipe: dict[str, list[tuple[Execution, float]]] = defaultdict(list)
    for run in runs:
        present, edited = _state(repo, run.files) if run.applied else (0.0, 0.0)
        if run.applied:
            checks.append((run.id, _commits_since(repo, run.head_oid), present, edited))
        per_recipe[run.recipe_id].append((run, execution_score(run, present, edited)))
    scores = {rid: Score(round(statistics.mean(s for _, s in items), 3), len(items),
                         sum(r.applied for r, _ in items))
              for rid, items in per_recipe.items()}
    return checks, scores
