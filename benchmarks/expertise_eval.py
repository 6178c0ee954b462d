"""Expertise quality on held-out history: who will change this file next?

Hold out the last 500 non-merge commits; for each (held-out commit, file it modifies
that existed before the split) rank authors from earlier history only; success =
the commit's author in the top 1 / top 3. Baselines in the same run: most
commits, most lines, most recent, the seeds' formula. ``ceiling`` is the share of
cases whose author had committed anything before the split (no history-based
ranking can name a first-time contributor).

usage: python -m benchmarks.expertise_eval REPO [--holdout 500] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.cochange_eval import Lineage, load_history
from mira.core.expertise.identity import resolve
from mira.core.expertise.model import Event, ExpertiseParams, ranked, score_authors, seeds_scores
from mira.core.git.records import CommitRecord

Ranker = Callable[[list[Event], list[Event], list[Event], int], list[str]]


def _by(key: Callable[[list[Event]], dict[str, float]]) -> Ranker:
    return lambda file_events, _dir, _repo, _now: ranked(key(file_events))


def _count(events: list[Event]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for e in events:
        out[e.author] += 1
    return out


def _lines(events: list[Event]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for e in events:
        out[e.author] += e.lines
    return out


def _recent(events: list[Event]) -> dict[str, float]:
    out: dict[str, float] = {}
    for e in events:
        out[e.author] = max(out.get(e.author, 0), e.time)
    return out


def models(params: ExpertiseParams) -> dict[str, Ranker]:
    return {
        "mira": lambda f, d, r, now: ranked(score_authors(f, d, r, now, params)),
        "seeds": lambda f, _d, _r, now: ranked(seeds_scores(f, now)),
        "most_commits": _by(_count),
        "most_lines": _by(_lines),
        "most_recent": _by(_recent),
    }


def directory(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def people(commits: Sequence[CommitRecord]) -> dict[str, str]:
    """Author email -> the person's key (identity resolution as the server does it)."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for commit in commits:
        counts[(commit.author_email.lower(), commit.author_name)] += 1
    resolved = resolve((email, name, n) for (email, name), n in counts.items())
    return {email: person.key for email, person in resolved.items()}


def evaluate(repo: Path, holdout: int = 500, params: ExpertiseParams | None = None,
             commits: Sequence[CommitRecord] | None = None) -> dict[str, object]:
    """Every model ranks the same people: identities are resolved for all of them, so
    the comparison is of the scoring alone (and the truth is a person, not an email)."""
    commits = list(commits) if commits is not None else load_history(repo)
    person = people(commits)
    training, held = commits[:-holdout], commits[-holdout:]
    lineage = Lineage()
    by_file: dict[int, list[Event]] = defaultdict(list)
    by_dir: dict[str, list[Event]] = defaultdict(list)
    repo_events: list[Event] = []
    known: set[str] = set()
    for commit in training:
        author = person[commit.author_email.lower()]
        known.add(author)
        repo_events.append(Event(author, commit.author_time))
        for change, file_id in zip(commit.files, lineage.apply(commit), strict=True):
            event = Event(author, commit.author_time, (change.added or 0) + (change.deleted or 0))
            by_file[file_id].append(event)
            by_dir[directory(change.path)].append(event)
    now = training[-1].author_time
    rankers = models(params or ExpertiseParams())
    hits = {name: [0, 0] for name in rankers}
    cases = reachable = 0
    for commit in held:
        author = person[commit.author_email.lower()]
        for change in commit.files:
            path = change.old_path if change.status == "R" else change.path
            if change.status == "A" or path is None or path not in lineage.id_of:
                continue
            cases += 1
            reachable += author in known
            file_events = by_file[lineage.id_of[path]]
            dir_events = by_dir[directory(path)]
            for name, rank in rankers.items():
                top = rank(file_events, dir_events, repo_events, now)[:3]
                hits[name][0] += top[:1] == [author]
                hits[name][1] += author in top
    return {
        "repo": str(repo), "cases": cases, "ceiling": round(reachable / cases, 3) if cases else 0,
        "models": {name: {"top1": round(h[0] / cases, 3), "top3": round(h[1] / cases, 3)}
                   for name, h in hits.items()} if cases else {},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--holdout", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = evaluate(args.repo, args.holdout)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['repo']}: {result['cases']} cases; ceiling {result['ceiling']}")
    for name, score in result["models"].items():  # type: ignore[attr-defined]
        print(f"  {name:13} top-1 {score['top1']:.3f}  top-3 {score['top3']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
