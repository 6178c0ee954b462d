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

Evidence beyond history (``evidence.py``, issue-level measurements in
docs/benchmarks.md): a naming-convention partner (its test, its docs page) and a
structural one (imports it, is imported by it) get a fixed bonus, and history is
scaled up mildly for partners in nearby directories. How much each counts is
calibrated per repository on its own recent history (``calibration.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from mira.core.git.evidence import proximity

DAY = 86_400


@dataclass(frozen=True)
class CochangeParams:
    max_changeset: int = 100
    size_exponent: float = 0.75
    half_life_days: float = 730.0
    smoothing: float = 0.5
    naming_weight: float = 0.1  # bonus of a naming-convention partner (its test, its docs)
    structure_weight: float = 0.1  # bonus of an import / call / inheritance partner
    proximity_weight: float = 0.3  # history scaled by up to 1 + this for the same directory


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
    score: float  # ranking key: weighted shared commits, scaled, plus evidence bonuses
    evidence: tuple[str, ...] = ()  # "its test", "imports it", ...

    def described(self, now: int) -> Suggestion:
        """The same suggestion with its reason phrased relative to ``now``."""
        return replace(self, reason=describe(self.evidence, self.shared_commits,
                                             self.last_changed_together, now))


def _commit_weight(commit: QueryCommit, now: int, params: CochangeParams) -> float:
    size = max(commit.n_files - 1, 1) ** params.size_exponent
    age_days = max(now - commit.time, 0) / DAY
    decay = 0.5 ** (age_days / params.half_life_days) if params.half_life_days > 0 else 1.0
    return decay / size


def rank(history: Sequence[QueryCommit], *, now: int | None = None,
         params: CochangeParams | None = None, limit: int | None = 10,
         exclude: Iterable[str] = (), accept: Callable[[str], bool] | None = None,
         query: str | None = None, named: Mapping[str, str] | None = None,
         structural: Mapping[str, str] | None = None, shown_at: int | None = None
         ) -> list[Suggestion]:
    """Rank the partners of one file (``query``) from the commits that touched it.

    ``named`` and ``structural`` map partners found by naming convention or by code
    structure to how they relate; they are candidates even without shared history.
    ``accept`` filters candidates lazily (e.g. "exists at HEAD"), so a hot file with
    thousands of past partners only pays for the ones that make the list.
    """
    params = params or CochangeParams()
    named = named or {}
    structural = structural or {}
    usable = [c for c in history if c.n_files <= params.max_changeset]
    if not usable and not named and not structural:
        return []
    if now is None:
        now = max((c.time for c in usable), default=0)
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
    shrunk_total = total_weight + params.smoothing * _mean_weight(total_weight, len(usable))
    # in units of weighted shared commits: evidence bonuses are shares of the file's history
    unit = shrunk_total or 1.0
    score: dict[str, float] = {}
    for partner, w in weight.items():
        near = proximity(query, partner) if query is not None else 0.0
        score[partner] = w * (1 + params.proximity_weight * near)
    for partner in named:
        score[partner] = score.get(partner, 0.0) + params.naming_weight * unit
    for partner in structural:
        score[partner] = score.get(partner, 0.0) + params.structure_weight * unit
    ordered = sorted(score, key=lambda p: (-score[p], -shared.get(p, 0), -last.get(p, 0), p))
    suggestions: list[Suggestion] = []
    for partner in ordered:
        if partner in excluded or partner == query or score[partner] <= 0 or (
                accept is not None and not accept(partner)):
            continue
        evidence = tuple(e for e in (named.get(partner), structural.get(partner)) if e)
        together, when = shared.get(partner, 0), last.get(partner, 0)
        # confidence: the share of the file's history plus the evidence bonuses; proximity
        # only orders (it is a prior, not an observation about this pair)
        observed = weight.get(partner, 0.0) + unit * (
            (params.naming_weight if partner in named else 0.0)
            + (params.structure_weight if partner in structural else 0.0))
        suggestions.append(Suggestion(
            path=partner,
            confidence=round(min(observed / unit, 1.0), 4),
            shared_commits=together,
            last_changed_together=when,
            reason=describe(evidence, together, when, now if shown_at is None else shown_at),
            score=score[partner],
            evidence=evidence,
        ))
        if limit and len(suggestions) >= limit:
            break
    return suggestions


def _mean_weight(total: float, count: int) -> float:
    return total / count if count else 0.0


def describe(evidence: Sequence[str], shared: int, last: int, now: int) -> str:
    """'its test; imports it; changed together 23 times, last 2 weeks ago'."""
    parts = list(evidence)
    if shared:
        times = "once" if shared == 1 else f"{shared} times"
        parts.append(f"changed together {times}, last {humanize_age(now - last)}")
    return "; ".join(parts)


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
