"""Per-repository self-calibration of the co-change ranking.

One set of weights does not fit every history: a repository that keeps a test next
to every module wants the naming bonus, one that commits in sweeping changesets
wants a steeper size penalty. At index time the repository's own recent history is
held out (the last ``HOLDOUT`` commits touching 2-30 files, at most a third), each
parameterisation of a small family ranks the partners of every file in those commits
from the history before them, and the one with the best MAP@10 is kept if it beats
the defaults by ``MARGIN`` (smaller differences are noise: they did not carry over
to the next commits on the tuning repositories). The family was fixed on the tuning
repositories only (benchmarks/git_eval_sets.json); the choice is persisted and recomputed when the
history has grown by 10 %.

Pure computation over an in-memory replay, shared by the indexer and the benchmark.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

from mira.core.git.cochange import CochangeParams, QueryCommit, rank
from mira.core.git.evidence import NameIndex

HOLDOUT = 150
MIN_FILES, MAX_FILES = 2, 30
K = 10
MIN_TRAINING = 100  # too little history to learn from: keep the defaults
REGROW = 0.10  # recalibrate when the history grew by this share
# another parameterisation must beat the defaults by this share: on the tuning repositories
# differences below ~2 % on 150 commits did not carry over to the next 300 (docs/benchmarks.md)
MARGIN = 0.03

DEFAULT = CochangeParams()
FAMILY: tuple[CochangeParams, ...] = (
    DEFAULT,
    replace(DEFAULT, naming_weight=0.0),
    replace(DEFAULT, naming_weight=0.3),
    replace(DEFAULT, proximity_weight=0.0),
    replace(DEFAULT, proximity_weight=0.6),
    replace(DEFAULT, half_life_days=365.0),
    replace(DEFAULT, half_life_days=1460.0),
    replace(DEFAULT, size_exponent=1.0),
)


@dataclass(frozen=True, slots=True)
class ReplayCommit:
    """A non-merge commit in time order; ``paths`` under their names at the end of the replay."""

    time: int
    n_files: int
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Calibration:
    params: CochangeParams
    score: float  # MAP@10 of the chosen parameters on the held-out commits
    default_score: float
    queries: int
    commits: int  # history size it was computed on


def split(commits: Sequence[ReplayCommit], holdout: int) -> int:
    """Index of the first of the last ``holdout`` commits touching 2-30 files."""
    chosen = 0
    for index in range(len(commits) - 1, -1, -1):
        if MIN_FILES <= commits[index].n_files <= MAX_FILES:
            chosen += 1
            if chosen == holdout:
                return index
    return 0


def average_precision(ranked: Sequence[str], expected: set[str]) -> float:
    hits, precision_sum = 0, 0.0
    for position, path in enumerate(ranked[:K], start=1):
        if path in expected:
            hits += 1
            precision_sum += hits / position
    return precision_sum / min(len(expected), K) if expected else 0.0


def score_family(commits: Sequence[ReplayCommit], alive: set[str],
                 family: Sequence[CochangeParams], holdout: int = HOLDOUT
                 ) -> tuple[list[float], int]:
    """Mean MAP@10 of each parameterisation on the last ``holdout`` commits, and the
    number of queries. Only ``alive`` files (those existing now) are ranked."""
    first = split(commits, min(holdout, len(commits) // 3))
    if first < MIN_TRAINING:
        return [0.0] * len(family), 0
    training = commits[:first]
    by_file: dict[str, list[int]] = defaultdict(list)
    for index, commit in enumerate(training):
        for path in commit.paths:
            by_file[path].append(index)
    names = NameIndex(alive)
    now = training[-1].time
    totals = [0.0] * len(family)
    queries = 0
    for commit in commits[first:]:
        if not MIN_FILES <= commit.n_files <= MAX_FILES:
            continue
        known = sorted({p for p in commit.paths if p in alive and p in by_file})
        for query in known:
            expected = set(known) - {query}
            if not expected:
                continue
            queries += 1
            history = [QueryCommit(training[i].time, training[i].n_files,
                                   tuple(p for p in training[i].paths if p != query))
                       for i in by_file[query]]
            named = names.partners(query)
            for slot, params in enumerate(family):
                ranked = rank(history, now=now, params=params, limit=K, query=query,
                              named=named, accept=alive.__contains__)
                totals[slot] += average_precision([s.path for s in ranked], expected)
    return [t / queries if queries else 0.0 for t in totals], queries


def calibrate(commits: Sequence[ReplayCommit], alive: set[str],
              family: Sequence[CochangeParams] = FAMILY, holdout: int = HOLDOUT
              ) -> Calibration:
    scores, queries = score_family(commits, alive, family, holdout)
    best = max(range(len(family)), key=lambda i: (scores[i], -i)) if queries else 0
    if scores[best] < scores[0] * (1 + MARGIN):
        best = 0
    return Calibration(family[best], round(scores[best], 4), round(scores[0], 4), queries,
                       len(commits))


def needs_recalibration(previous_commits: int | None, commits: int) -> bool:
    if previous_commits is None or previous_commits <= 0:
        return True
    return commits >= previous_commits * (1 + REGROW)


def params_from_json(text: str) -> CochangeParams:
    """Known fields only: a calibration stored by another version never breaks reading."""
    try:
        raw = json.loads(text)
    except ValueError:
        return CochangeParams()
    known = {f.name for f in fields(CochangeParams)}
    values = {k: v for k, v in raw.items() if k in known} if isinstance(raw, dict) else {}
    try:
        return CochangeParams(**values)
    except TypeError:
        return CochangeParams()
