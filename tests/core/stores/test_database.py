from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from mira.core.stores.database import Database, DatabaseError, Priority, data_dir_for
from mira.core.stores.migrations import apply_migrations, load_migrations


def test_migrations_apply_once_in_order(tmp_path: Path) -> None:
    conn = Database(tmp_path / "m.db").open().read()
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
    db = Database(path).open()
    assert db.read().execute("SELECT COUNT(*) FROM commits").fetchone()[0] == 0
    moved = list(tmp_path.glob("mira.db.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes().startswith(b"this is not")
    assert db.rebuilt_from == moved[0]  # so the user can be told


def test_locked_database_gives_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    import mira.core.stores.database as database

    path = tmp_path / "mira.db"
    Database(path).open().close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    with pytest.raises(DatabaseError, match="locked by another process"):
        Database(path).open()
    holder.execute("ROLLBACK")
    holder.close()


def test_data_dir_hides_itself_from_git(tmp_path: Path) -> None:
    directory = data_dir_for(tmp_path)
    assert directory == tmp_path / ".mira"
    assert (directory / ".gitignore").read_text() == "*\n"


def test_migrations_in_a_readers_connection_are_impossible(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.db").open()
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.read().execute("CREATE TABLE t(x)")  # readers never write: the writer does
    db.close()


def test_concurrent_writers_all_land_without_locked_errors(tmp_path: Path) -> None:
    """The failure this replaced: several services writing at once got
    ``database is locked`` after the busy timeout. Through the one writer, every write
    lands, while a reader keeps reading without waiting."""
    db = Database(tmp_path / "m.db").open()
    db.write(lambda c: c.execute("CREATE TABLE t(worker INTEGER, n INTEGER)"))
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for n in range(100):
                db.write(lambda c, n=n: c.executemany(  # type: ignore[misc]
                    "INSERT INTO t VALUES (?, ?)", [(k, n)] * 20),
                    Priority.CODE if k % 2 else Priority.GIT)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    reads = 0
    while any(t.is_alive() for t in threads):
        db.read().execute("SELECT COUNT(*) FROM t").fetchone()
        reads += 1
    for t in threads:
        t.join()
    assert not errors
    assert db.read().execute("SELECT COUNT(*) FROM t").fetchone()[0] == 6 * 100 * 20
    assert reads > 0
    db.close()


def test_a_failing_write_rolls_back_and_the_writer_goes_on(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.db").open()
    db.write(lambda c: c.execute("CREATE TABLE t(x INTEGER)"))

    def bad(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO t VALUES (1)")
        raise ValueError("half-way")
    with pytest.raises(ValueError):
        db.write(bad)
    db.write(lambda c: c.execute("INSERT INTO t VALUES (2)"))
    assert db.read().execute("SELECT x FROM t").fetchall() == [(2,)]
    # a write from inside a write joins its transaction instead of waiting for itself
    db.write(lambda c: db.write(lambda inner: inner.execute("INSERT INTO t VALUES (3)")))
    assert db.read().execute("SELECT COUNT(*) FROM t").fetchone()[0] == 2
    db.close()


def test_another_process_holding_the_lock_is_waited_for_with_backoff(
        tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    db = Database(path).open()
    db.write(lambda c: c.execute("CREATE TABLE t(x INTEGER)"))
    other = sqlite3.connect(path, isolation_level=None)  # stands for a second server
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    done = threading.Event()
    threading.Thread(target=lambda: (db.write(lambda c: c.execute(
        "INSERT INTO t VALUES (2)")), done.set()), daemon=True).start()
    time.sleep(1.5)  # longer than the writer's own busy wait: its retry loop is waiting
    assert not done.is_set()
    other.execute("COMMIT")
    assert done.wait(10)
    assert sorted(db.read().execute("SELECT x FROM t").fetchall()) == [(1,), (2,)]
    other.close()
    db.close()


def test_a_second_database_on_the_same_directory_is_a_reader(tmp_path: Path) -> None:
    first = Database(tmp_path / "m.db").open()
    second = Database(tmp_path / "m.db").open()
    assert (first.role, second.role) == ("writer", "reader")
    first.close()
    third = Database(tmp_path / "m.db").open()
    assert third.role == "writer"  # the lock goes with the process that held it
    second.close()
    third.close()
