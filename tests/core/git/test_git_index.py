"""The git history index on real repositories built in tmp_path."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mira.core.config import MiraConfig
from mira.core.git.indexer import GitIndexer
from mira.core.stores.database import Database
from mira.core.workspace import Workspace
from tests.support.gitrepo import GitRepo
from tests.support.replay import replay


def workspace(root: Path, tmp_path: Path) -> Workspace:
    ws = Workspace(root, MiraConfig(data_dir=str(tmp_path / "data")))
    ws.open()
    return ws


def stored(ws: Workspace) -> dict[str, str]:
    conn = sqlite3.connect(ws.db_path)
    try:
        return dict(conn.execute("SELECT oid, subject FROM commits").fetchall())
    finally:
        conn.close()


def cochange(ws: Workspace, path: str) -> list[tuple[str, int]]:
    async def run() -> list[tuple[str, int]]:
        try:
            answer = await ws.cochange(ws.root / path)
            return [(s.path, s.shared_commits) for s in answer.items]
        finally:
            await ws.close()
    return asyncio.run(run())


def test_index_records_commits_files_and_renames(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.commit("one", {"a.py": "x = 1\n" * 20, "b.py": "y\n"})
    git_repo.commit("two", {"a.py": "x = 2\n" + "x = 1\n" * 19, "b.py": "y2\n"})
    git_repo.git("mv", "a.py", "renamed.py")
    git_repo.commit("move", {"c.py": "z\n"})
    ws = workspace(git_repo.root, tmp_path)
    [result] = ws.index_git()
    assert result.added == 3 and result.state == "ready"
    conn = sqlite3.connect(ws.db_path)
    rows = conn.execute(
        "SELECT c.subject, p.path, fc.status, fc.added, fc.deleted, old.path FROM file_changes fc"
        " JOIN commits c ON c.id = fc.commit_id JOIN paths p ON p.id = fc.path_id"
        " LEFT JOIN paths old ON old.id = fc.old_path_id ORDER BY c.author_time, p.path"
    ).fetchall()
    assert ("two", "a.py", "M", 1, 1, None) in rows
    assert ("move", "renamed.py", "R", 0, 0, "a.py") in rows
    assert ("one", "a.py", "A", 20, 0, None) in rows
    # history follows the rename: renamed.py inherits a.py's partner b.py
    assert cochange(workspace(git_repo.root, tmp_path), "renamed.py")[0] == ("b.py", 2)


def test_incremental_and_rewrite_converge(git_repo: GitRepo, tmp_path: Path) -> None:
    for i in range(5):
        git_repo.commit(f"c{i}", {"a.py": f"{i}\n", "b.py": f"{i}\n"})
    ws = workspace(git_repo.root, tmp_path)
    assert ws.index_git()[0].added == 5
    git_repo.commit("c5", {"a.py": "5\n", "c.py": "5\n"})
    assert ws.index_git()[0].added == 1  # only the new commit is read
    git_repo.git("reset", "-q", "--hard", "HEAD~3")
    git_repo.commit("rewritten", {"a.py": "r\n", "d.py": "r\n"})
    result = ws.index_git()[0]
    assert (result.added, result.removed) == (1, 3)
    subjects = sorted(stored(ws).values())
    assert subjects == ["c0", "c1", "c2", "rewritten"]
    assert dict(cochange(ws, "a.py")) == {"b.py": 3, "d.py": 1}


def test_branch_switch_and_detached_head(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.commit("base", {"a.py": "0\n"})
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.commit("feature work", {"a.py": "1\n", "f.py": "1\n"})
    git_repo.git("checkout", "-q", "main")
    git_repo.commit("main work", {"a.py": "2\n", "m.py": "2\n"})
    ws = workspace(git_repo.root, tmp_path)
    ws.index_git()
    assert sorted(stored(ws).values()) == ["base", "main work"]
    git_repo.git("checkout", "-q", "--detach", "feature")
    ws.index_git()
    assert sorted(stored(ws).values()) == ["base", "feature work"]


def test_merge_commits_are_recorded_without_changes(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.commit("base", {"a.py": "0\n"})
    git_repo.git("checkout", "-q", "-b", "side")
    git_repo.commit("side", {"s.py": "1\n"})
    git_repo.git("checkout", "-q", "main")
    git_repo.commit("main", {"a.py": "1\n"})
    git_repo.git("merge", "-q", "--no-edit", "side")
    ws = workspace(git_repo.root, tmp_path)
    ws.index_git()
    conn = sqlite3.connect(ws.db_path)
    merges = conn.execute("SELECT is_merge, n_files FROM commits WHERE is_merge = 1").fetchall()
    assert merges == [(1, 0)]
    assert cochange(ws, "a.py") == []


def test_empty_repository(git_repo: GitRepo, tmp_path: Path) -> None:
    ws = workspace(git_repo.root, tmp_path)
    [result] = ws.index_git()
    assert result.state == "empty" and result.added == 0
    git_repo.commit("first", {"a.py": "1\n", "b.py": "1\n"})
    assert ws.index_git()[0].added == 1


def test_not_a_git_repository(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    ws = workspace(folder, tmp_path)
    assert not ws.has_git and ws.index_git() == []
    status = asyncio.run(ws.status())
    assert status.message and "not a git repository" in status.message


def test_non_utf8_paths_messages_and_binary_files(git_repo: GitRepo, tmp_path: Path) -> None:
    (git_repo.root / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"latin-1 name\n")
    git_repo.write("image.bin", bytes(range(256)) * 8)
    git_repo.write("a.py", "x\n")
    git_repo.git("add", "-A")
    git_repo.git("-c", "i18n.commitEncoding=latin1", "commit", "-q", "-m",
                 "d\u00e9j\u00e0 vu", env={"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x",
                                           "GIT_COMMITTER_NAME": "A",
                                           "GIT_COMMITTER_EMAIL": "a@x"})
    ws = workspace(git_repo.root, tmp_path)
    assert ws.index_git()[0].added == 1
    conn = sqlite3.connect(ws.db_path)
    paths = {row[0]: (row[1], row[2]) for row in conn.execute(
        "SELECT p.path, fc.added, fc.deleted FROM file_changes fc"
        " JOIN paths p ON p.id = fc.path_id")}
    assert paths["image.bin"] == (None, None)
    assert "caf\\xe9.txt" in paths
    assert dict(cochange(ws, "a.py"))["image.bin"] == 1


def test_shallow_clone_and_submodule(git_repo: GitRepo, tmp_path: Path) -> None:
    for i in range(6):
        git_repo.commit(f"c{i}", {"a.py": f"{i}\n", "b.py": f"{i}\n"})
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{git_repo.root}",
                    str(shallow)], check=True)
    ws = workspace(shallow, tmp_path / "s")
    assert ws.index_git()[0].added == 2
    assert cochange(ws, "a.py") == [("b.py", 2)]

    outer = GitRepo(tmp_path / "outer")
    outer.commit("outer", {"main.py": "1\n"})
    outer.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(git_repo.root),
              "vendor/lib")
    outer.commit("add submodule", {"main.py": "2\n"})
    ws2 = workspace(outer.root, tmp_path / "o")
    results = ws2.index_git()
    assert [r.state for r in results] == ["ready", "ready"]  # outer + nested submodule
    assert cochange(ws2, "main.py")[0][0] in (".gitmodules", "vendor/lib")


def test_single_huge_commit(git_repo: GitRepo, tmp_path: Path) -> None:
    """50k files in one commit, written with fast-import (as real vendoring commits are)."""
    lines = ["commit refs/heads/main", "committer A <a@x> 1700000000 +0000", "data 4", "huge"]
    for i in range(50_000):
        lines += [f"M 100644 inline f/{i // 1000}/{i}.txt", "data 2", "x"]
    subprocess.run(["git", "-C", str(git_repo.root), "fast-import", "--quiet"],
        input=("\n".join(lines) + "\n").encode(), check=True)
    git_repo.git("reset", "-q", "--hard", "main")
    git_repo.commit("small", {"f/0/0.txt": "y\n", "other.py": "1\n"})
    ws = workspace(git_repo.root, tmp_path)
    assert ws.index_git()[0].added == 2
    conn = sqlite3.connect(ws.db_path)
    assert conn.execute("SELECT MAX(n_files) FROM commits").fetchone()[0] == 50_000
    # the huge changeset is dropped from co-change; the small one counts
    assert cochange(ws, "f/0/0.txt") == [("other.py", 1)]


@pytest.mark.slow
def test_killed_mid_index_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    repo = replay("flask", tmp_path / "flask")
    data = tmp_path / "data"
    env = {**os.environ, "MIRA_DATA_DIR": str(data)}
    cmd = [sys.executable, "-m", "mira", "index", str(repo)]
    src = str(Path(__file__).resolve().parents[3] / "server")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    partial = 0
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
        if not (data / "mira.db").exists():
            continue
        try:
            conn = sqlite3.connect(data / "mira.db", timeout=0.1)
            partial = conn.execute("SELECT COUNT(*) FROM commits").fetchone()[0]
            conn.close()
        except sqlite3.OperationalError:
            continue
        if partial:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    assert 0 < partial < 3805, "the index should have been killed part-way"
    conn = sqlite3.connect(data / "mira.db")
    assert conn.execute("SELECT head_oid FROM repositories").fetchone()[0] is None
    conn.close()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    conn = sqlite3.connect(data / "mira.db")
    assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT oid) FROM commits").fetchone() == (
        3805, 3805)
    fresh = tmp_path / "fresh"
    db2 = Database(fresh.with_suffix(".db")).open()
    GitIndexer(db2, repo.resolve()).run()
    conn2 = db2.read()
    q = ("SELECT c.oid, p.path, fc.status, fc.added, fc.deleted FROM file_changes fc"
         " JOIN commits c ON c.id = fc.commit_id JOIN paths p ON p.id = fc.path_id")
    assert sorted(conn.execute(q).fetchall()) == sorted(conn2.execute(q).fetchall())
