"""The workspace database: opened once, one writer, any number of readers.

Why one writer: SQLite allows one write transaction at a time per file. When several
indexers each opened their own connection and held long transactions, the others
failed with ``database is locked`` after the busy timeout (the code index of a
17k-commit repository stayed empty). Now every write in the process goes through
``Database.write``: the writer thread runs the caller's function inside one short
``BEGIN IMMEDIATE`` … ``COMMIT``, highest priority first, and retries with backoff while
another *process* holds the lock. Readers use their own per-thread WAL connections
(``Database.read`` / ``Database.run``) and never wait for the writer.

Invariants:
- ``open()`` runs once per workspace: creates the file, applies migrations, moves a
  corrupt file aside (``rebuilt`` says so, for the user) — never per call.
- A function passed to ``write`` does database work only (no parsing, no git, no
  model): it holds the one write lock while it runs.
- ``write`` from inside a write function runs inline, in the same transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import fcntl
import itertools
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from mira.core.stores.migrations import apply_migrations

log = logging.getLogger(__name__)

DB_FILE = "mira.db"
LOCK_FILE = "mira.lock"
BUSY_TIMEOUT_MS = 10_000
WRITE_BUSY_MS = 1_000  # the writer's own wait before its retry loop takes over
WRITE_RETRY_S = 120.0  # give up (and say so) after this long held by another process
SLOW_WRITE_S = 0.1  # a transaction this long is logged (INFO): interactive writes wait for it
T = TypeVar("T")


class DatabaseError(RuntimeError):
    """The database cannot be opened or written; the message says why and what to do."""


class DatabaseBusy(DatabaseError):
    """Another process held the write lock for longer than ``WRITE_RETRY_S``."""


class DatabaseReadOnly(DatabaseError):
    """The data directory or database file cannot be written (``Database.read_only``)."""


class Priority(enum.IntEnum):
    """Order of queued writes: lower first (interactive before bulk)."""

    INTERACTIVE = 0   # a request's own write (chat operation, memory, build run)
    BUFFER = 1        # an open or saved file
    GIT = 2           # git index batches
    CODE = 3          # code index batches, fix mining
    EMBED = 4         # chunk rows and embedded flags


def data_dir_for(workspace_root: Path, override: str | None = None) -> Path:
    """Return (and create) the data directory, with a ``.gitignore`` that hides it."""
    directory = Path(override).expanduser() if override else workspace_root / ".mira"
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    return directory


def _configure(conn: sqlite3.Connection, busy_ms: int) -> None:
    conn.execute(f"PRAGMA busy_timeout={busy_ms}")
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise DatabaseError(f"could not switch the database to WAL mode (got {mode})")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA temp_store=MEMORY")


def connect(path: Path, *, check_same_thread: bool = True,
            busy_ms: int | None = None) -> sqlite3.Connection:
    """Connect in autocommit mode (transactions are explicit ``BEGIN`` / ``COMMIT``)."""
    busy = BUSY_TIMEOUT_MS if busy_ms is None else busy_ms
    conn = sqlite3.connect(path, isolation_level=None, timeout=busy / 1000,
                           check_same_thread=check_same_thread)
    _configure(conn, busy)
    return conn


def _quarantine(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(path) + suffix)
        if part.exists():
            part.rename(Path(str(target) + suffix))
    return target


def _is_busy(exc: BaseException) -> bool:
    text = str(exc)
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


@dataclass(order=True)
class _Job:
    priority: int
    seq: int
    fn: Callable[[sqlite3.Connection], Any] = field(compare=False)
    future: Future[Any] = field(compare=False)


class Database:
    """One workspace database file; see the module docstring for the invariants."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rebuilt_from: Path | None = None  # a corrupt file moved aside at open()
        self.read_only = False
        self.role = "writer"  # "reader" when another server holds the workspace
        self._opened = False
        self._open_lock = threading.Lock()
        self._local = threading.local()
        self._queue: queue.PriorityQueue[_Job] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._writer: sqlite3.Connection | None = None
        self._lock_fd: int | None = None
        self._closed = False

    # -- opening -------------------------------------------------------------------------
    def open(self) -> Database:
        """Create and migrate the file (once; later calls return at once)."""
        with self._open_lock:
            if not self._opened:
                self._open()
                self._opened = True
        return self

    def _open(self) -> None:
        self._take_role()
        for attempt in range(2):
            try:
                conn = connect(self.path)
                try:
                    conn.execute("PRAGMA schema_version").fetchone()
                    if self._writable():
                        apply_migrations(conn)
                finally:
                    conn.close()
                return
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    raise DatabaseError(
                        f"the database {self.path} is locked by another process; "
                        "close the other Mira instance or set MIRA_DATA_DIR") from exc
                if "readonly" in str(exc) or "read-only" in str(exc):
                    self.read_only = True
                    raise DatabaseReadOnly(f"the database {self.path} is read-only: {exc}") \
                        from exc
                raise DatabaseError(f"cannot open the database {self.path}: {exc}") from exc
            except sqlite3.DatabaseError as exc:
                if attempt:
                    raise DatabaseError(f"cannot open the database {self.path}: {exc}") from exc
                self.rebuilt_from = _quarantine(self.path)
                log.warning("database %s was corrupt (%s); moved to %s and rebuilding",
                            self.path, exc, self.rebuilt_from)

    def _writable(self) -> bool:
        directory = self.path.parent
        self.read_only = not os.access(directory, os.W_OK) or (
            self.path.exists() and not os.access(self.path, os.W_OK))
        if self.read_only:
            raise DatabaseReadOnly(f"the data directory {directory} is not writable")
        return True

    def _take_role(self) -> None:
        """``writer`` if this process holds the workspace's lock file, else ``reader``.

        A second server on the same workspace must not index too (its writes would race
        the first one's); the lifecycle layer decides what a reader does.
        """
        try:
            fd = os.open(self.path.parent / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return  # read-only directory: _writable() says so
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            self.role = "reader"
            return
        self._lock_fd = fd

    def claim_writer(self) -> bool:
        """A reader tries the lock again (the other server may have exited); True once
        this process is the writer."""
        with self._open_lock:
            if self.role == "reader":
                self.role = "writer"
                self._take_role()
        return self.role == "writer"

    # -- reading -------------------------------------------------------------------------
    def read(self) -> sqlite3.Connection:
        """This thread's read connection (autocommit; wrap multi-statement reads in
        ``BEGIN`` … ``COMMIT`` for one snapshot)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self.open()
            conn = connect(self.path, check_same_thread=False)
            conn.execute("PRAGMA query_only=1")
            self._local.conn = conn
        return conn

    def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn`` on this thread's read connection."""
        return fn(self.read())

    # -- writing -------------------------------------------------------------------------
    def write(self, fn: Callable[[sqlite3.Connection], T],
              priority: Priority = Priority.INTERACTIVE) -> T:
        """Run ``fn`` inside one write transaction on the writer thread; its result
        (a cursor comes back as None: it must not leave the writer thread).

        Blocks the calling thread (never call it on the event loop: ``awrite``).
        """
        if threading.current_thread() is self._thread:
            assert self._writer is not None
            return fn(self._writer)  # nested: same transaction (the outer call closes it)
        if self._closed:
            raise DatabaseError("the database is closed")
        self.open()
        future: Future[T] = Future()
        self._ensure_writer()
        self._queue.put(_Job(int(priority), next(self._seq), fn, future))
        return future.result()

    async def awrite(self, fn: Callable[[sqlite3.Connection], T],
                     priority: Priority = Priority.INTERACTIVE) -> T:
        return await asyncio.to_thread(self.write, fn, priority)

    def _ensure_writer(self) -> None:
        with self._open_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="mira-db-writer",
                                                daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        try:
            self._writer = connect(self.path, check_same_thread=False, busy_ms=WRITE_BUSY_MS)
        except Exception as exc:  # every queued caller gets the error
            self._fail_all(exc)
            return
        while True:
            job = self._queue.get()
            if job.future is _STOP:
                break
            if not job.future.set_running_or_notify_cancel():
                continue
            started = time.monotonic()
            try:
                job.future.set_result(self._transaction(job.fn))
            except BaseException as exc:
                job.future.set_exception(exc)
            took = time.monotonic() - started
            if took > SLOW_WRITE_S:  # what an interactive write may have waited behind
                log.info("slow write: %s held the writer %.0f ms (priority %d)",
                         getattr(job.fn, "__qualname__", job.fn), took * 1000, job.priority)
        self._writer.close()
        self._writer = None

    def _fail_all(self, exc: BaseException) -> None:
        while True:
            job = self._queue.get()
            if job.future is _STOP:
                return
            job.future.set_exception(DatabaseError(f"cannot write {self.path}: {exc}"))

    def _transaction(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        conn = self._writer
        assert conn is not None
        delay, deadline = 0.05, time.monotonic() + WRITE_RETRY_S
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = fn(conn)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                if isinstance(result, sqlite3.Cursor):
                    # a cursor must not leave the writer thread: finalized on another
                    # thread it resets a statement of a connection in use (SQLITE_MISUSE)
                    result.close()
                    return None
                return result
            except sqlite3.OperationalError as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if "readonly" in str(exc):
                    self.read_only = True
                    raise DatabaseReadOnly(f"the database {self.path} is read-only") from exc
                if not _is_busy(exc) or time.monotonic() > deadline:
                    if _is_busy(exc):
                        raise DatabaseBusy(
                            f"the database {self.path} stayed locked by another process for"
                            f" {WRITE_RETRY_S:.0f}s; close the other Mira instance") from exc
                    raise
                log.debug("database busy (%s); retrying in %.2fs", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    # -- closing -------------------------------------------------------------------------
    def close(self) -> None:
        """Finish queued writes, close the writer and let go of the readers (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._queue.put(_Job(1 << 30, next(self._seq), _noop, _STOP))
            self._thread.join(timeout=30)
        # Only this thread's reader is closed here. Another thread may be inside a query on
        # its own reader right now (an index thread cannot be interrupted), and closing a
        # connection under a running statement crashes the process (seen as SIGSEGV at
        # exit). Dropping the references instead lets each connection close when its last
        # user lets go of it.
        own: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if own is not None:
            with contextlib.suppress(sqlite3.Error):
                own.close()
        self._local = threading.local()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def _noop(conn: sqlite3.Connection) -> None:
    return None


_STOP: Future[Any] = Future()
