"""Co-change model: which files usually change together with a given file.

The baseline of the seeds is Jaccard ``co / (a + b - co)``: it punishes a partner
for being changed often elsewhere, which on real histories is the wrong question
(a file's partners are asked about *from* that file). The model here is directional
(ROSE-style ``co / revisions(query)``), and each shared commit is weighted:

- **changeset size**: a commit touching 25 files says less about any pair than one
  touching 2 (weight ``1 / (n - 1) ** size_exponent``); commits above
  ``max_changeset`` files (mass renames, vendoring, formatting sweeps) are dropped.
  The size weight already makes a 30-file commit count ~13x less than a 2-file one,
  so the cap is loose: capping at 30 lost 15 % MAP@10 on one of six evaluation
  windows (ripgrep's crate split) and gained nothing elsewhere;
- **time decay**: a change made together last month counts more than one from five
  years ago (exponential, ``half_life_days``, relative to the newest commit);
- **support**: the confidence is shrunk by ``smoothing`` so one shared commit out of
  one is not "100 %".

Renames are followed both ways by the store: the query file's history includes its
earlier names, and partners are reported under their current names.
The weights are chosen by ``benchmarks/cochange_eval.py`` on held-out history: a grid
over size exponent {0.5, 0.75, 1}, half-life {180, 365, 730, 1095, 1460} days and cap
{30, 60, 100, 200, none}, scored on six windows (the last 300 and the 300 before them,
of flask, ripgrep and pytest), keeping the setting whose worst window still beats the
ROSE baseline and whose geometric-mean ratio is best (docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

DAY = 86_400


@dataclass(frozen=True)
class CochangeParams:
    max_changeset: int = 100
    size_exponent: float = 0.75
    half_life_days: float = 730.0
    smoothing: float = 0.5


@dataclass(frozen=True, slots=True)
class QueryCommit:
    """A commit that touched the query file, with the other files it touched."""

    time: int
    n_files: int
    partners: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Suggestion:
    path: str
    confidence: float  # 0..1
    shared_commits: int
    last_changed_together: int  # unix time
    reason: str
    score: float  # ranking key: the weighted number of shared commits


def _commit_weight(commit: QueryCommit, now: int, params: CochangeParams) -> float:
    size = max(commit.n_files - 1, 1) ** params.size_exponent
    age_days = max(now - commit.time, 0) / DAY
    decay = 0.5 ** (age_days / params.half_life_days) if params.half_life_days > 0 else 1.0
    return decay / size


def rank(history: Sequence[QueryCommit], *, now: int | None = None,
         params: CochangeParams | None = None, limit: int | None = 10,
         exclude: Iterable[str] = (), accept: Callable[[str], bool] | None = None
         ) -> list[Suggestion]:
    """Rank the partners of one file from the commits that touched it.

    ``accept`` filters candidates lazily (e.g. "exists at HEAD"), so a hot file with
    thousands of past partners only pays for the ones that make the list.
    """
    params = params or CochangeParams()
    usable = [c for c in history if c.n_files <= params.max_changeset]
    if not usable:
        return []
    now = now if now is not None else max(c.time for c in usable)
    excluded = set(exclude)
    total_weight = 0.0
    weight: dict[str, float] = {}
    shared: dict[str, int] = {}
    last: dict[str, int] = {}
    for commit in usable:
        w = _commit_weight(commit, now, params)
        total_weight += w
        for partner in commit.partners:
            weight[partner] = weight.get(partner, 0.0) + w
            shared[partner] = shared.get(partner, 0) + 1
            if commit.time > last.get(partner, 0):
                last[partner] = commit.time
    revisions = len(usable)
    shrunk_total = total_weight + params.smoothing * _mean_weight(total_weight, revisions)
    ordered = sorted(weight, key=lambda p: (-weight[p], -shared[p], -last[p], p))
    suggestions: list[Suggestion] = []
    for partner in ordered:
        if partner in excluded or (accept is not None and not accept(partner)):
            continue
        confidence = weight[partner] / shrunk_total if shrunk_total else 0.0
        suggestions.append(Suggestion(
            path=partner,
            confidence=round(min(confidence, 1.0), 4),
            shared_commits=shared[partner],
            last_changed_together=last[partner],
            reason=_reason(shared[partner], revisions),
            score=weight[partner],
        ))
        if limit and len(suggestions) >= limit:
            break
    return suggestions


def _mean_weight(total: float, count: int) -> float:
    return total / count if count else 0.0


def _reason(shared: int, revisions: int) -> str:
    share = shared / revisions if revisions else 0.0
    return (f"changed together in {shared} of the {revisions} commits to this file"
            f" ({round(share * 100)} %)")


def jaccard(shared: int, revisions_a: int, revisions_b: int) -> float:
    """The seeds' baseline."""
    union = revisions_a + revisions_b - shared
    return shared / union if union else 0.0


def humanize_age(seconds: float) -> str:
    """'3 weeks ago' — for reasons, hints and CodeLens titles."""
    seconds = max(seconds, 0)
    for unit, size in (("year", 365 * DAY), ("month", 30 * DAY), ("week", 7 * DAY),
                       ("day", DAY), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = math.floor(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"
