"""Short-lived SQLite access for services that write rarely (chat, memory).

Why a connection per call: the callers run in worker threads of different event
loops (LSP server, CLI, tests); a connection opened and closed inside the call is
never shared across threads, and WAL lets it read while the indexer writes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from mira.core.stores.database import connect

T = TypeVar("T")


class LockedDb:
    def __init__(self, path: Callable[[], Path]) -> None:
        self._path = path
        self._lock = threading.Lock()

    def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            conn = connect(self._path())
            try:
                return fn(conn)
            finally:
                conn.close()

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn`` inside one ``BEGIN IMMEDIATE`` transaction."""
        def tx(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result
        return self.run(tx)
