"""The ranking itself, on histories whose answer can be worked out by hand."""

from __future__ import annotations

from mira.core.git.cochange import DAY, CochangeParams, QueryCommit, humanize_age, jaccard, rank

NOW = 1_700_000_000


def commit(days_ago: float, *partners: str, n_files: int | None = None) -> QueryCommit:
    return QueryCommit(int(NOW - days_ago * DAY), n_files or len(partners) + 1, partners)


def test_small_changesets_weigh_more_than_large_ones() -> None:
    # a.py and b.py each shared once; a.py in a 2-file commit, b.py in a 20-file commit
    history = [commit(1, "a.py"), commit(1, "b.py", *[f"x{i}.py" for i in range(18)])]
    ranked = rank(history, now=NOW, limit=None)
    assert ranked[0].path == "a.py"
    assert ranked[0].score > 4 * next(s for s in ranked if s.path == "b.py").score


def test_recent_changes_weigh_more_than_old_ones() -> None:
    history = [commit(800, "old.py"), commit(800, "old.py"), commit(2, "new.py"),
               commit(1, "new.py")]
    flat = rank(history, now=NOW, params=CochangeParams(half_life_days=1e12), limit=None)
    decayed = rank(history, now=NOW, limit=None)
    assert [s.path for s in flat][:2] == ["new.py", "old.py"]  # tie on weight -> recency
    assert decayed[0].path == "new.py" and decayed[0].score > 3 * decayed[1].score


def test_huge_changesets_are_dropped() -> None:
    history = [commit(1, *[f"f{i}" for i in range(40)]), commit(1, "kept.py")]
    assert [s.path for s in rank(history, now=NOW)] == ["kept.py"]


def test_support_shrinks_confidence() -> None:
    one = rank([commit(1, "p.py")], now=NOW)[0]
    many = rank([commit(d, "p.py") for d in range(1, 21)], now=NOW)[0]
    assert 0 < one.confidence < many.confidence < 1
    assert one.confidence == round(1 / 1.5, 4)
    assert many.shared_commits == 20 and "20 of the 20 commits" in many.reason


def test_exclude_accept_and_limit() -> None:
    history = [commit(1, "a.py", "b.py", "c.py"), commit(2, "a.py", "b.py"), commit(3, "a.py")]
    assert [s.path for s in rank(history, now=NOW, limit=2)] == ["a.py", "b.py"]
    assert [s.path for s in rank(history, now=NOW, exclude={"a.py"})] == ["b.py", "c.py"]
    gone = rank(history, now=NOW, accept=lambda p: p != "b.py")
    assert [s.path for s in gone] == ["a.py", "c.py"]
    assert rank([], now=NOW) == []


def test_helpers() -> None:
    assert jaccard(2, 4, 4) == 2 / 6 and jaccard(0, 0, 0) == 0
    assert humanize_age(3 * 7 * DAY) == "3 weeks ago"
    assert humanize_age(DAY) == "1 day ago" and humanize_age(5) == "just now"
