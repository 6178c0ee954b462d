"""The ranking itself, on histories whose answer can be worked out by hand."""

from __future__ import annotations

import pytest

from mira.core.git.cochange import DAY, CochangeParams, QueryCommit, humanize_age, jaccard, rank

NOW = 1_700_000_000
FLAT = CochangeParams(half_life_days=0)  # no time decay: weights are the size term only


def commit(days_ago: float, *partners: str, n_files: int | None = None) -> QueryCommit:
    return QueryCommit(int(NOW - days_ago * DAY), n_files or len(partners) + 1, partners)


def test_defaults_are_the_tuned_ones() -> None:
    assert CochangeParams() == CochangeParams(
        max_changeset=100, size_exponent=0.75, half_life_days=730.0, smoothing=0.5,
        naming_weight=0.1, structure_weight=0.1, proximity_weight=0.3)


def test_small_changesets_weigh_more_than_large_ones() -> None:
    # a.py: one 2-file commit -> 1 / 1 ** e = 1; b.py: one 20-file commit -> 1 / 19 ** e
    history = [commit(0, "a.py"), commit(0, "b.py", *[f"x{i}.py" for i in range(18)])]
    for exponent in (0.5, 0.75, 1.0):
        ranked = rank(history, now=NOW, params=CochangeParams(size_exponent=exponent),
                      limit=None)
        scores = {s.path: s.score for s in ranked}
        assert ranked[0].path == "a.py"
        assert scores["a.py"] == pytest.approx(1.0)
        assert scores["b.py"] == pytest.approx(19 ** -exponent)
    # size weighting off: both shared once, equal weight -> tie broken by name
    even = rank(history, now=NOW, params=CochangeParams(size_exponent=0), limit=2)
    assert [s.path for s in even] == ["a.py", "b.py"]


def test_size_weight_can_outvote_support() -> None:
    # p.py shared twice in 11-file commits (2 / 10 ** 0.75 = 0.356), q.py once alone (1.0)
    many = [f"m{i}.py" for i in range(9)]
    history = [commit(0, "p.py", *many), commit(0, "p.py", *many), commit(0, "q.py")]
    ranked = rank(history, now=NOW, limit=None)
    assert ranked[0].path == "q.py" and ranked[0].score == pytest.approx(1.0)
    scores = {s.path: s.score for s in ranked}
    assert scores["p.py"] == pytest.approx(2 / 10 ** 0.75)
    flat = rank(history, now=NOW, params=CochangeParams(size_exponent=0), limit=None)
    assert flat[0].path == "m0.py" and flat[0].score == 2  # ties on 2 -> name; q.py last
    assert flat[-1].path == "q.py"


def test_time_decay_halves_per_half_life() -> None:
    params = CochangeParams(half_life_days=100, size_exponent=0)
    history = [commit(0, "new.py"), commit(100, "old.py"), commit(200, "old.py"),
               commit(300, "older.py")]
    scores = {s.path: s.score for s in rank(history, now=NOW, params=params, limit=None)}
    assert scores["new.py"] == pytest.approx(1.0)
    assert scores["old.py"] == pytest.approx(0.5 + 0.25)  # two shared, both older
    assert scores["older.py"] == pytest.approx(0.125)
    assert [s.path for s in rank(history, now=NOW, params=params)] == [
        "new.py", "old.py", "older.py"]
    # without decay old.py's two shared commits win
    flat = rank(history, now=NOW, params=CochangeParams(half_life_days=0, size_exponent=0))
    assert [s.path for s in flat] == ["old.py", "new.py", "older.py"]


def test_now_defaults_to_the_newest_commit() -> None:
    history = [commit(10, "a.py"), commit(20, "b.py")]
    params = CochangeParams(half_life_days=10, size_exponent=0)
    scores = {s.path: s.score for s in rank(history, params=params, limit=None)}
    assert scores == pytest.approx({"a.py": 1.0, "b.py": 0.5})


def test_changesets_above_the_cap_are_dropped() -> None:
    huge = commit(0, *[f"f{i}" for i in range(150)])
    history = [huge, commit(0, "kept.py")]
    assert [s.path for s in rank(history, now=NOW)] == ["kept.py"]
    capped = CochangeParams(max_changeset=30)
    mid = [commit(0, *[f"f{i}" for i in range(40)]), commit(0, "kept.py")]
    assert [s.path for s in rank(mid, now=NOW, params=capped)] == ["kept.py"]
    assert len(rank(mid, now=NOW, limit=None)) == 41  # under the default cap of 100
    assert rank([huge], now=NOW) == []


def test_smoothing_keeps_one_of_one_below_certainty() -> None:
    # confidence = weight / (total + smoothing * mean weight); one commit of one:
    # 1 / (1 + 0.5 * 1) = 2/3, never 100 %
    one = rank([commit(0, "p.py")], now=NOW, params=FLAT)[0]
    assert one.confidence == round(1 / 1.5, 4) < 1.0
    assert one.shared_commits == 1 and one.reason.startswith("changed together once")
    # 20 of 20 (equal weights): 20 / (20 + 0.5) -> more support, more confidence
    many = rank([commit(0, "p.py") for _ in range(20)], now=NOW, params=FLAT)[0]
    assert many.confidence == round(20 / 20.5, 4)
    assert 0 < one.confidence < many.confidence < 1
    unsmoothed = rank([commit(0, "p.py")], now=NOW,
                      params=CochangeParams(half_life_days=0, smoothing=0))[0]
    assert unsmoothed.confidence == 1.0
    # half of the commits: 1 / (2 + 0.5)
    half = rank([commit(0, "p.py"), commit(0, "q.py")], now=NOW, params=FLAT)
    assert [s.confidence for s in half] == [0.4, 0.4]


def test_exclude_accept_and_limit() -> None:
    # weights: c1 (4 files) 3 ** -0.75 = 0.44, c2 (3 files) 2 ** -0.75 = 0.59, c3 (2 files) 1
    # a.py = c1 + c2 + c3, b.py = c1 + c2, c.py = c1
    history = [commit(1, "a.py", "b.py", "c.py"), commit(2, "a.py", "b.py"), commit(3, "a.py")]
    assert [s.path for s in rank(history, now=NOW, limit=2)] == ["a.py", "b.py"]
    assert [s.path for s in rank(history, now=NOW, limit=None)] == ["a.py", "b.py", "c.py"]
    assert [s.path for s in rank(history, now=NOW, exclude={"a.py"})] == ["b.py", "c.py"]
    assert [s.path for s in rank(history, now=NOW, exclude={"a.py"}, limit=1)] == ["b.py"]
    gone = rank(history, now=NOW, accept=lambda p: p != "b.py")
    assert [s.path for s in gone] == ["a.py", "c.py"]
    assert rank([], now=NOW) == []


def test_suggestion_fields() -> None:
    history = [commit(5, "a.py"), commit(1, "a.py", "b.py")]
    first = rank(history, now=NOW)[0]
    assert first.path == "a.py" and first.shared_commits == 2
    assert first.last_changed_together == NOW - DAY
    assert 0 < first.confidence <= 1
    assert first.reason == "changed together 2 times, last 1 day ago"
    assert first.evidence == ()


def test_helpers() -> None:
    assert jaccard(2, 4, 4) == 2 / 6 and jaccard(0, 0, 0) == 0
    assert humanize_age(3 * 7 * DAY) == "3 weeks ago"
    assert humanize_age(DAY) == "1 day ago" and humanize_age(5) == "just now"
