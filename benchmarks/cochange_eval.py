"""Co-change quality on held-out history: Mira's model against named baselines.

Protocol (docs/benchmarks.md): order non-merge commits by author time; hold out the
last ``holdout`` commits touching 2-30 files; learn only from the commits before
the first held-out one; for every held-out commit and every file in it that existed
before the split (the query), rank partners and score the commit's other files that
existed before the split (the expected set). Renames are followed the way the
production store follows them: a file's history includes its earlier names and
partners are reported under their names at the split.

Models, all in one run:
- ``mira``      mira.core.git.cochange.rank (the production ranking)
- ``jaccard``   co / (a + b - co)  (the seeds' formula)
- ``codemaat``  co / mean(a, b), changesets with more than 30 files dropped
- ``rose``      co / a  (ROSE-style confidence of the query file)

usage: python -m benchmarks.cochange_eval REPO [--holdout 300] [--window 0] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mira.core.git.calibration import ReplayCommit, average_precision, calibrate
from mira.core.git.cochange import CochangeParams, QueryCommit, rank
from mira.core.git.evidence import NameIndex
from mira.core.git.log_reader import iter_commits
from mira.core.git.records import CommitRecord

MIN_FILES, MAX_FILES = 2, 30
CODEMAAT_MAX = 30
K = 10


@dataclass
class Lineage:
    """Files as identities that survive renames (ids), replayed in time order."""

    id_of: dict[str, int] = field(default_factory=dict)  # live path -> id
    name_of: dict[int, str] = field(default_factory=dict)  # id -> current path
    next_id: int = 0

    def apply(self, commit: CommitRecord) -> list[int]:
        ids: list[int] = []
        for change in commit.files:
            if change.status == "D":
                file_id = self.id_of.pop(change.path, None)
                if file_id is None:  # deleted without being seen (e.g. a shallow start)
                    file_id = self.next_id
                    self.next_id += 1
                self.name_of.pop(file_id, None)
                ids.append(file_id)
                continue
            if change.status == "R" and change.old_path in self.id_of:
                file_id = self.id_of.pop(change.old_path)
            elif change.path in self.id_of:
                file_id = self.id_of[change.path]
            else:
                file_id = self.next_id
                self.next_id += 1
            self.id_of[change.path] = file_id
            self.name_of[file_id] = change.path
            ids.append(file_id)
        return ids


@dataclass
class Training:
    commits: list[tuple[int, int, tuple[int, ...]]]  # (time, n_files, file ids)
    by_file: dict[int, list[int]]  # file id -> indexes into commits
    lineage: Lineage


def load_history(repo: Path) -> list[CommitRecord]:
    commits = [c for c in iter_commits(repo, ["HEAD"]) if not c.is_merge]
    commits.sort(key=lambda c: (c.author_time, c.commit_time))
    return commits


def split(commits: Sequence[CommitRecord], holdout: int) -> tuple[int, list[CommitRecord]]:
    """Index of the first held-out commit, and the held-out commits."""
    chosen: list[int] = []
    for index in range(len(commits) - 1, -1, -1):
        if MIN_FILES <= len(commits[index].files) <= MAX_FILES:
            chosen.append(index)
            if len(chosen) == holdout:
                break
    chosen.reverse()
    return chosen[0], [commits[i] for i in chosen]


def train(commits: Sequence[CommitRecord]) -> Training:
    lineage = Lineage()
    rows: list[tuple[int, int, tuple[int, ...]]] = []
    by_file: dict[int, list[int]] = defaultdict(list)
    for commit in commits:
        ids = tuple(dict.fromkeys(lineage.apply(commit)))
        rows.append((commit.author_time, len(commit.files), ids))
        for file_id in ids:
            by_file[file_id].append(len(rows) - 1)
    return Training(rows, by_file, lineage)


Ranker = Callable[[Training, int, int], list[str]]


def _co_counts(t: Training, query: int, max_files: int | None = None
               ) -> tuple[dict[int, int], int]:
    co: dict[int, int] = defaultdict(int)
    revisions = 0
    for index in t.by_file[query]:
        _, n_files, ids = t.commits[index]
        if max_files is not None and n_files > max_files:
            continue
        revisions += 1
        for other in ids:
            if other != query:
                co[other] += 1
    return co, revisions


def _revisions(t: Training, file_id: int, max_files: int | None = None) -> int:
    if max_files is None:
        return len(t.by_file[file_id])
    return sum(1 for i in t.by_file[file_id] if t.commits[i][1] <= max_files)


def _top(t: Training, scores: dict[int, float], co: dict[int, int]) -> list[str]:
    alive = t.lineage.name_of
    ordered = sorted((fid for fid in scores if fid in alive),
                     key=lambda fid: (-scores[fid], -co[fid], alive[fid]))
    return [alive[fid] for fid in ordered[:K]]


def rank_jaccard(t: Training, query: int, now: int) -> list[str]:
    co, revisions = _co_counts(t, query)
    scores = {f: c / (revisions + _revisions(t, f) - c) for f, c in co.items()}
    return _top(t, scores, co)


def rank_codemaat(t: Training, query: int, now: int) -> list[str]:
    co, revisions = _co_counts(t, query, CODEMAAT_MAX)
    scores = {f: c / ((revisions + _revisions(t, f, CODEMAAT_MAX)) / 2) for f, c in co.items()}
    return _top(t, scores, co)


def rank_rose(t: Training, query: int, now: int) -> list[str]:
    co, revisions = _co_counts(t, query)
    scores = {f: c / revisions for f, c in co.items()} if revisions else {}
    return _top(t, scores, co)


def replay_of(t: Training) -> list[ReplayCommit]:
    """The training history under its names at the split (dead files keep an id)."""
    alive = t.lineage.name_of
    return [ReplayCommit(when, n_files, tuple(alive.get(f, f"\0{f}") for f in ids))
            for when, n_files, ids in t.commits]


def make_mira(params: CochangeParams | None, names: NameIndex | None) -> Ranker:
    """Mira as the server runs it: evidence by name, then the parameters calibrated on
    the training history's own last commits (unless ``params`` are given)."""
    chosen: dict[str, CochangeParams] = {}

    def rank_mira(t: Training, query: int, now: int) -> list[str]:
        alive = t.lineage.name_of
        if "params" not in chosen:
            chosen["params"] = params or calibrate(replay_of(t), set(alive.values())).params
        history = []
        for index in t.by_file[query]:
            when, n_files, ids = t.commits[index]
            partners = tuple(alive[f] for f in ids if f != query and f in alive)
            history.append(QueryCommit(when, n_files, partners))
        name = alive[query]
        named = names.partners(name) if names is not None else {}
        return [s.path for s in rank(history, now=now, params=chosen["params"], limit=K,
                                     query=name, named=named)]
    rank_mira.chosen = chosen  # type: ignore[attr-defined]
    return rank_mira


def evaluate(repo: Path, holdout: int = 300, params: CochangeParams | None = None,
             commits: Sequence[CommitRecord] | None = None, window: int = 0,
             evidence: bool = True) -> dict[str, object]:
    """Scores of every model; ``window`` > 0 evaluates an earlier window instead (the
    ``holdout`` commits before window ``window - 1``'s), for tuning without the test one."""
    started = time.perf_counter()
    commits = list(commits) if commits is not None else load_history(repo)
    total = len(commits)
    first, held = split(commits, holdout)
    for _ in range(window):
        commits = commits[:first]
        first, held = split(commits, holdout)
    training = train(commits[:first])
    now = commits[first - 1].author_time if first else 0
    alive_ids = training.lineage.id_of
    names = NameIndex(training.lineage.name_of.values()) if evidence else None
    mira = make_mira(params, names)
    models: dict[str, Ranker] = {
        "mira": mira,
        "jaccard": rank_jaccard, "codemaat": rank_codemaat, "rose": rank_rose,
    }
    totals = {name: {"hit@3": 0.0, "recall@10": 0.0, "map@10": 0.0} for name in models}
    queries = 0
    for commit in held:
        paths = [c.path if c.status != "R" else (c.old_path or c.path) for c in commit.files
                 if c.status != "A"]
        existing = sorted({p for p in paths if p in alive_ids})
        for query_path in existing:
            expected = set(existing) - {query_path}
            if not expected:
                continue
            queries += 1
            query = alive_ids[query_path]
            for name, model in models.items():
                ranked = model(training, query, now)
                scores = totals[name]
                scores["hit@3"] += any(p in expected for p in ranked[:3])
                scores["recall@10"] += len(expected & set(ranked[:K])) / len(expected)
                scores["map@10"] += average_precision(ranked, expected)
    results = {name: {m: round(v / queries, 4) if queries else 0.0 for m, v in s.items()}
               for name, s in totals.items()}
    best_baseline = max(results[b]["map@10"] for b in ("jaccard", "codemaat", "rose"))
    return {
        "repo": str(repo), "commits": total, "training_commits": first,
        "window": window, "held_out": len(held), "queries": queries, "models": results,
        "map_ratio_vs_best_baseline": round(results["mira"]["map@10"] / best_baseline, 3)
        if best_baseline else None,
        "seconds": round(time.perf_counter() - started, 2),
        "params": {k: v for k, v in vars(mira.chosen["params"]).items()}  # type: ignore
        if mira.chosen else None,  # type: ignore[attr-defined]
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--holdout", type=int, default=300)
    parser.add_argument("--window", type=int, default=0,
                        help="0 = the last holdout commits; 1 = the ones before them, ...")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = evaluate(args.repo, args.holdout, window=args.window)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['repo']}: {result['commits']} commits, {result['queries']} queries "
          f"from {result['held_out']} held-out commits ({result['seconds']} s)")
    print(f"{'model':10} {'hit@3':>7} {'recall@10':>10} {'MAP@10':>8}")
    for name, scores in result["models"].items():  # type: ignore[attr-defined]
        print(f"{name:10} {scores['hit@3']:7.3f} {scores['recall@10']:10.3f} "
              f"{scores['map@10']:8.3f}")
    print(f"MAP@10 ratio, mira / best baseline: {result['map_ratio_vs_best_baseline']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
