"""Opening the workspace database: location, WAL, migrations, recovery.

One writer (the indexer) and any number of readers: WAL mode lets readers see the
last committed state while a long index transaction runs. A database that is not
a database any more is moved aside (never deleted) and rebuilt from git.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from mira.core.stores.migrations import apply_migrations

log = logging.getLogger(__name__)

DB_FILE = "mira.db"
BUSY_TIMEOUT_MS = 10_000


class DatabaseError(RuntimeError):
    """The database cannot be opened; the message says why and what to do."""


def data_dir_for(workspace_root: Path, override: str | None = None) -> Path:
    """Return (and create) the data directory, with a ``.gitignore`` that hides it."""
    directory = Path(override).expanduser() if override else workspace_root / ".mira"
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    return directory


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise DatabaseError(f"could not switch the database to WAL mode (got {mode})")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA temp_store=MEMORY")


def connect(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """Connect in autocommit mode (transactions are explicit ``BEGIN`` / ``COMMIT``)."""
    conn = sqlite3.connect(
        path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
        check_same_thread=check_same_thread,
    )
    _configure(conn)
    return conn


def _quarantine(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(path) + suffix)
        if part.exists():
            part.rename(Path(str(target) + suffix))
    return target


def open_database(path: Path) -> sqlite3.Connection:
    """Open (creating and migrating) the database at ``path``.

    A corrupt file is renamed to ``*.corrupt-<time>`` and a fresh database is
    created: the git index is derived data and is rebuilt by the next index run.
    A locked database waits ``BUSY_TIMEOUT_MS`` and then raises ``DatabaseError``.
    """
    for attempt in range(2):
        try:
            conn = connect(path)
            conn.execute("PRAGMA schema_version").fetchone()
            apply_migrations(conn)
            return conn
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise DatabaseError(
                    f"the database {path} is locked by another process; "
                    "close the other Mira instance or set MIRA_DATA_DIR"
                ) from exc
            raise DatabaseError(f"cannot open the database {path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            if attempt:
                raise DatabaseError(f"cannot open the database {path}: {exc}") from exc
            moved = _quarantine(path)
            log.warning("database %s was corrupt (%s); moved to %s and rebuilding",
                        path, exc, moved)
    raise AssertionError("unreachable")
