"""kill -9 in each index phase, then a restart: the same content as a fresh index.

Every phase writes in short batches through the workspace's single writer, so a killed
process leaves committed batches behind; the next run must finish the job without
duplicates or holes (git commits, code files/symbols/calls, search chunks).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.replay import replay

ROOT = Path(__file__).resolve().parents[3]
# what each phase has written once it is under way
STARTED = {
    "git": "SELECT COUNT(*) FROM commits",
    "code": "SELECT COUNT(*) FROM code_files",
    "chunks": "SELECT COUNT(*) FROM semantic_chunks",
}
CONTENT = {
    "commits": "SELECT c.oid, p.path, fc.status, fc.added, fc.deleted FROM file_changes fc"
               " JOIN commits c ON c.id = fc.commit_id JOIN paths p ON p.id = fc.path_id",
    "code_files": "SELECT path, module, size, status FROM code_files",
    "code_symbols": "SELECT f.path, s.qualified_name, s.kind, s.start_line, s.end_line"
                    " FROM code_symbols s JOIN code_files f ON f.id = s.file_id",
    "code_calls": "SELECT f.path, c.caller, c.callee, c.line, c.confidence FROM code_calls c"
                  " JOIN code_files f ON f.id = c.file_id",
    "semantic_chunks": "SELECT key, content_hash, commit_oid FROM semantic_chunks",
    "semantic_fts": "SELECT s.key FROM semantic_fts f JOIN semantic_chunks s"
                    " ON s.id = f.rowid WHERE semantic_fts MATCH 'compute'",
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "server"), str(ROOT),
                                         env.get("PYTHONPATH", "")])
    return env


def _run(repo: Path, data: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "tests.support.index_all", str(repo),
                             str(data)], env=_env(), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _count(db: Path, sql: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
        try:
            return int(conn.execute(sql).fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _content(db: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(db)
    try:
        return {name: sorted(conn.execute(sql).fetchall()) for name, sql in CONTENT.items()}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def repo_and_fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list]]:  # type: ignore[type-arg]
    base = tmp_path_factory.mktemp("kill")
    repo = replay("flask", base / "flask")
    fresh = base / "fresh"
    proc = _run(repo, fresh)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    return repo, _content(fresh / "mira.db")


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["git", "code", "chunks"])
def test_killed_in_a_phase_converges_to_a_fresh_index(
        phase: str, repo_and_fresh: tuple[Path, dict[str, list]],  # type: ignore[type-arg]
        tmp_path: Path) -> None:
    repo, fresh = repo_and_fresh
    data = tmp_path / "data"
    proc = _run(repo, data)
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if _count(data / "mira.db", STARTED[phase]):
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, f"the {phase} phase ended before the kill"
    partial = _content(data / "mira.db")
    assert partial != fresh  # killed part-way: something was missing
    restart = _run(repo, data)
    _, err = restart.communicate(timeout=600)
    assert restart.returncode == 0, err.decode()
    again = _content(data / "mira.db")
    for table, rows in fresh.items():
        assert again[table] == rows, f"{table} differs after kill -9 in {phase}"
