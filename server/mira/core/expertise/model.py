"""Expertise scoring: who is most likely to know (and next to change) a file.

The seeds' formula, 40 % commits + 30 % lines + 30 % recency (365-day decay of the
last commit), is the baseline. On held-out history (benchmarks/expertise_eval.py)
three changes beat it:

- every commit decays on its own (half-life ``half_life_days``), so twenty commits
  from five years ago count less than five from last month;
- the file's directory ("domain") lends a fraction of its history, which helps
  files with few commits of their own;
- authors who are active in the repository now get a boost and a small prior, and
  inactive authors fade — the person who wrote a file in 2016 and left is rarely
  the one to ask.

Line counts did not help ranking (a reformat commit is not knowledge) and are
reported, not scored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

DAY = 86_400


@dataclass(frozen=True)
class ExpertiseParams:
    half_life_days: float = 365.0
    directory_weight: float = 0.2
    activity_window_days: float = 90.0
    activity_boost: float = 0.5  # at most x1.5: activity cannot outweigh knowledge of the file
    activity_cap: int = 20  # commits in the window that earn the whole boost
    repo_prior_weight: float = 0.05
    knowledge_floor: float = 0.0  # an old commit to the file never decays below this


@dataclass(frozen=True, slots=True)
class Event:
    """One commit by ``author`` (a stable key: the lower-cased email) at ``time``."""

    author: str
    time: int
    lines: int = 0


def _decay(now: int, when: int, half_life_days: float, floor: float = 0.0) -> float:
    return max(0.5 ** (max(now - when, 0) / DAY / half_life_days), floor)


def score_authors(file_events: Iterable[Event], directory_events: Iterable[Event],
                  repo_events: Iterable[Event], now: int,
                  params: ExpertiseParams | None = None) -> dict[str, float]:
    """Unnormalised scores per author for one file."""
    params = params or ExpertiseParams()
    scores: dict[str, float] = {}
    recent: dict[str, int] = {}
    window = params.activity_window_days * DAY
    for event in repo_events:
        w = _decay(now, event.time, params.activity_window_days)
        scores[event.author] = scores.get(event.author, 0.0) + params.repo_prior_weight * w
        if now - event.time < window:
            recent[event.author] = recent.get(event.author, 0) + 1
    for event in file_events:
        scores[event.author] = scores.get(event.author, 0.0) + _decay(
            now, event.time, params.half_life_days, params.knowledge_floor)
    for event in directory_events:
        scores[event.author] = scores.get(event.author, 0.0) + params.directory_weight * _decay(
            now, event.time, params.half_life_days)
    full = math.log1p(params.activity_cap)
    return {author: round(score * (1 + params.activity_boost * min(
                math.log1p(recent.get(author, 0)) / full, 1.0)), 12)
            for author, score in scores.items() if score > 1e-3}


def seeds_scores(file_events: Iterable[Event], now: int) -> dict[str, float]:
    """The seeds' baseline: 40 % commits + 30 % lines + 30 % recency (365-day decay)."""
    commits: dict[str, int] = {}
    lines: dict[str, int] = {}
    last: dict[str, int] = {}
    for event in file_events:
        commits[event.author] = commits.get(event.author, 0) + 1
        lines[event.author] = lines.get(event.author, 0) + event.lines
        last[event.author] = max(last.get(event.author, 0), event.time)
    if not commits:
        return {}
    max_commits = max(commits.values())
    max_lines = max(lines.values()) or 1
    return {a: 0.4 * commits[a] / max_commits + 0.3 * lines[a] / max_lines
            + 0.3 * math.exp(-max(now - last[a], 0) / DAY / 365) for a in commits}


def ranked(scores: dict[str, float]) -> list[str]:
    return [a for a, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]
