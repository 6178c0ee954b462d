from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mira.core.stores.database import DatabaseError, data_dir_for, open_database
from mira.core.stores.migrations import apply_migrations, load_migrations


def test_migrations_apply_once_in_order(tmp_path: Path) -> None:
    conn = open_database(tmp_path / "m.db")
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    assert versions == [m.version for m in load_migrations()]
    assert apply_migrations(conn) == versions[-1]  # idempotent
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_failed_migration_rolls_back(tmp_path: Path) -> None:
    from mira.core.stores.migrations import Migration

    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    bad = [Migration(1, "ok", "CREATE TABLE a(x);"), Migration(2, "bad", "CREATE TABLE b(;")]
    with pytest.raises(sqlite3.OperationalError):
        apply_migrations(conn, bad)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "a" not in tables  # all pending migrations share one transaction


def test_corrupt_database_is_moved_aside_and_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "mira.db"
    path.write_bytes(b"this is not a database" * 100)
    conn = open_database(path)
    assert conn.execute("SELECT COUNT(*) FROM commits").fetchone()[0] == 0
    moved = list(tmp_path.glob("mira.db.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes().startswith(b"this is not")


def test_locked_database_gives_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    import mira.core.stores.database as database

    path = tmp_path / "mira.db"
    open_database(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    with pytest.raises(DatabaseError, match="locked by another process"):
        open_database(path)
    holder.execute("ROLLBACK")
    holder.close()


def test_data_dir_hides_itself_from_git(tmp_path: Path) -> None:
    directory = data_dir_for(tmp_path)
    assert directory == tmp_path / ".mira"
    assert (directory / ".gitignore").read_text() == "*\n"
