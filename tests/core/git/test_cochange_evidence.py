"""Evidence beyond history (names, proximity, structure) and per-repository calibration."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import aiosqlite
import pytest

from mira.core.git import calibration_store
from mira.core.git.calibration import (
    FAMILY,
    ReplayCommit,
    calibrate,
    needs_recalibration,
    params_from_json,
)
from mira.core.git.cochange import DAY, CochangeParams, QueryCommit, describe, rank
from mira.core.git.evidence import NameIndex, classify, proximity
from mira.core.git.structure import module_index, structural_partners
from mira.core.workspace import Workspace
from tests.support.gitrepo import GitRepo

NOW = 1_700_000_000


@pytest.mark.parametrize(("path", "key", "kind"), [
    ("src/pkg/widget.py", "widget", "code"),
    ("tests/test_widget.py", "widget", "test"),
    ("testing/python/widget.py", "widget", "test"),
    ("pkg/widget_test.go", "widget", "test"),
    ("src/widget.test.ts", "widget", "test"),
    ("src/widget.spec.js", "widget", "test"),
    ("src/widget.d.ts", "widget", "code"),
    ("src/main/java/WidgetTest.java", "widget", "test"),
    ("docs/widget.rst", "widget", "doc"),
    ("src/widget/__init__.py", "widget", "code"),
    ("src/widget/mod.rs", "widget", "code"),
])
def test_classify_by_convention(path: str, key: str, kind: str) -> None:
    named = classify(path)
    assert named is not None and (named.key, named.kind) == (key, kind)


@pytest.mark.parametrize("path", ["README.md", "notes/widget.md", "setup.py", "conftest.py",
                                  "tests/__init__.py", "image.png", "src/utils.py"])
def test_no_convention_no_key(path: str) -> None:
    assert classify(path) is None


def test_name_index_pairs_code_tests_and_docs() -> None:
    index = NameIndex(["src/app/widget.py", "tests/test_widget.py", "docs/widget.rst",
                       "src/app/other.py", "tests/test_other.py", "x/widget_test.go",
                       "x/widget.go"])
    assert index.partners("src/app/widget.py") == {
        "tests/test_widget.py": "its test", "docs/widget.rst": "its documentation page"}
    assert index.partners("tests/test_widget.py") == {"src/app/widget.py": "the code it tests"}
    assert index.partners("docs/widget.rst")["src/app/widget.py"] == "the code it documents"
    assert index.partners("x/widget.go")["x/widget_test.go"] == "its test"
    assert index.partners("README.md") == {}


def test_a_key_shared_by_many_files_says_nothing() -> None:
    index = NameIndex([f"pkg{i}/widget.py" for i in range(10)] + ["tests/test_widget.py"])
    assert index.partners("tests/test_widget.py") == {}


def test_proximity() -> None:
    assert proximity("a/b/x.py", "a/b/y.py") == 1.0
    assert proximity("x.py", "y.py") == 1.0
    assert proximity("a/b/x.py", "a/c/y.py") == 0.5
    assert proximity("a/x.py", "b/y.py") == 0.0


def commit(days_ago: float, *partners: str) -> QueryCommit:
    return QueryCommit(int(NOW - days_ago * DAY), len(partners) + 1, partners)


def test_evidence_ranks_and_is_named_in_the_reason() -> None:
    history = [commit(1, "src/far/a.py"), commit(2, "src/far/a.py"), commit(3, "src/near.py")]
    ranked = rank(history, now=NOW, query="src/q.py", named={"tests/test_q.py": "its test"},
                  structural={"src/lib.py": "imports it", "src/far/a.py": "imports it"},
                  limit=None, shown_at=NOW)
    by_path = {s.path: s for s in ranked}
    # evidence without shared history still makes the list, below real history here
    assert by_path["tests/test_q.py"].reason == "its test"
    assert by_path["tests/test_q.py"].shared_commits == 0
    assert by_path["src/lib.py"].reason == "imports it"
    assert by_path["src/far/a.py"].reason == "imports it; changed together 2 times, last 1 day ago"
    assert by_path["src/far/a.py"].evidence == ("imports it",)
    assert ranked[0].path == "src/far/a.py"
    # the bonuses are shares of the file's history: a naming partner beats a weak history one
    strong = rank(history, now=NOW, query="src/q.py", params=CochangeParams(naming_weight=0.9),
                  named={"tests/test_q.py": "its test"}, limit=None)
    assert strong[0].path == "tests/test_q.py"


def test_proximity_breaks_history_ties_towards_neighbours() -> None:
    history = [commit(1, "a/b/near.py", "z/far.py")]
    ranked = rank(history, now=NOW, query="a/b/q.py", limit=None)
    assert [s.path for s in ranked] == ["a/b/near.py", "z/far.py"]
    flat = rank(history, now=NOW, query="a/b/q.py", limit=None,
                params=CochangeParams(proximity_weight=0))
    assert flat[0].score == flat[1].score


def test_describe() -> None:
    assert describe((), 1, NOW - 3 * 7 * DAY, NOW) == "changed together once, last 3 weeks ago"
    assert describe(("its test", "imports it"), 23, NOW - 14 * DAY, NOW) == (
        "its test; imports it; changed together 23 times, last 2 weeks ago")
    assert describe(("its test",), 0, 0, NOW) == "its test"


def _synthetic_history() -> tuple[list[ReplayCommit], set[str]]:
    """x.py is always changed with its test in a separate commit series and with y.py
    in large changesets: only the naming bonus finds tests/test_x.py first."""
    commits = []
    t = NOW - 2000 * DAY
    for i in range(400):
        t += DAY
        if i % 2:
            commits.append(ReplayCommit(t, 2, ("x.py", "tests/test_x.py")))
        else:
            others = tuple(f"noise/n{i % 7}_{j}.py" for j in range(3))
            commits.append(ReplayCommit(t, 4, ("x.py", "y.py", *others)))
    alive = {p for c in commits for p in c.paths}
    return commits, alive


def test_calibration_is_deterministic_and_keeps_the_default_on_ties() -> None:
    commits, alive = _synthetic_history()
    first = calibrate(commits, alive)
    assert first == calibrate(commits, alive)
    assert first.queries > 0 and first.commits == len(commits)
    assert first.score >= first.default_score
    family = (CochangeParams(), CochangeParams())
    assert calibrate(commits, alive, family=family).params is family[0]
    # too little history: the defaults, no queries
    small = calibrate(commits[:120], alive)
    assert small.params == FAMILY[0] and small.queries == 0


def test_recalibration_threshold_and_stored_params() -> None:
    assert needs_recalibration(None, 10)
    assert not needs_recalibration(1000, 1099)
    assert needs_recalibration(1000, 1100)
    stored = json.dumps({"half_life_days": 365.0, "unknown": 1})
    assert params_from_json(stored) == replace(CochangeParams(), half_life_days=365.0)
    assert params_from_json("not json") == CochangeParams()


def test_index_persists_calibration_and_recomputes_after_growth(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    for i in range(160):
        repo.commit(f"c{i}", {"a.py": f"a = {i}\n", f"b{i % 3}.py": f"b = {i}\n"})
    ws = Workspace(repo.root)
    ws.open()
    ws.index_git()
    conn = sqlite3.connect(ws.db_path)
    [(commits, params, queries)] = conn.execute(
        "SELECT commits, params, queries FROM cochange_calibration").fetchall()
    assert commits == 160 and queries > 0
    assert params_from_json(params) in FAMILY
    # a few more commits (< 10 %): kept; 10 % more: recomputed on the larger history
    for i in range(5):
        repo.commit(f"d{i}", {"a.py": f"a = d{i}\n", "b0.py": f"b = d{i}\n"})
    ws.index_git()
    assert conn.execute("SELECT commits FROM cochange_calibration").fetchone()[0] == 160
    for i in range(11):
        repo.commit(f"e{i}", {"a.py": f"a = e{i}\n", "b1.py": f"b = e{i}\n"})
    ws.index_git()
    assert conn.execute("SELECT commits FROM cochange_calibration").fetchone()[0] == 176
    conn.close()


def test_refresh_without_history_stores_the_defaults(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("one", {"a.py": "a\n"})
    ws = Workspace(repo.root)
    ws.open()
    ws.index_git()
    conn = sqlite3.connect(ws.db_path)
    conn.isolation_level = None
    [(params, queries)] = conn.execute("SELECT params, queries FROM cochange_calibration")
    assert params_from_json(params) == CochangeParams() and queries == 0
    assert calibration_store.refresh(ws.db, 1, {"a.py"}) is None  # unchanged history
    conn.close()


def test_structural_evidence_degrades_without_a_code_index(tmp_path: Path) -> None:
    async def run() -> tuple[dict[str, str], dict[str, str]]:
        async with aiosqlite.connect(tmp_path / "empty.db") as conn:
            return (await structural_partners(conn, "a.py"), await module_index(conn))

    assert asyncio.run(run()) == ({}, {})
