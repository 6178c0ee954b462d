"""Operations (one per chat request), their events, and the artifacts they propose.

Why persisted step by step: a chat that dies half way (cancelled, provider error,
killed server) must still be visible with what it did and how it ended. Events
carry sequence numbers so a client can replay them in order; secrets such as API
keys are never put into an event.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from mira.core.stores.database import Database

TERMINAL = ("completed", "failed", "cancelled")
STATES = ("pending", "started", *TERMINAL)


@dataclass
class Event:
    seq: int
    ts: float
    type: str
    data: dict[str, Any]


@dataclass
class Operation:
    id: str
    session_id: str
    kind: str
    state: str
    message: str
    created_at: float
    updated_at: float
    error: str | None = None
    events: list[Event] = field(default_factory=list)


@dataclass
class Artifact:
    id: str
    operation_id: str
    path: str  # workspace-relative, "/"-separated
    kind: str  # full | diff
    content: str
    sha256: str
    language: str
    created_at: float
    applied_at: float | None = None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class OperationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, session_id: str, message: str, kind: str = "chat") -> Operation:
        now = time.time()
        op = Operation(f"op-{uuid.uuid4().hex[:16]}", session_id, kind, "pending", message,
                       now, now)

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO operations (id, session_id, kind, state, message,"
                         " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (op.id, session_id, kind, op.state, message, now, now))
            _add_event(conn, op.id, "state", {"state": "pending"}, now)
        self.db.write(write)
        return op

    def transition(self, op_id: str, state: str, error: str | None = None) -> None:
        if state not in STATES:
            raise ValueError(f"unknown operation state {state!r}")
        now = time.time()

        def write(conn: sqlite3.Connection) -> None:
            row = conn.execute("SELECT state FROM operations WHERE id = ?", (op_id,)).fetchone()
            if row is None or row[0] in TERMINAL:
                return  # a terminal state is final
            conn.execute("UPDATE operations SET state = ?, error = ?, updated_at = ?"
                         " WHERE id = ?", (state, error, now, op_id))
            data: dict[str, Any] = {"state": state}
            if error:
                data["error"] = error
            _add_event(conn, op_id, "state", data, now)
        self.db.write(write)

    def event(self, op_id: str, type_: str, data: dict[str, Any]) -> None:
        now = time.time()

        def write(conn: sqlite3.Connection) -> None:
            _add_event(conn, op_id, type_, data, now)
            conn.execute("UPDATE operations SET updated_at = ? WHERE id = ?", (now, op_id))
        self.db.write(write)

    def get(self, op_id: str, with_events: bool = True) -> Operation | None:
        def read(conn: sqlite3.Connection) -> Operation | None:
            row = conn.execute(f"SELECT {_OP_COLS} FROM operations WHERE id = ?",
                               (op_id,)).fetchone()
            if row is None:
                return None
            op = _operation(row)
            if with_events:
                op.events = [Event(int(s), float(t), str(k), json.loads(d)) for s, t, k, d in
                             conn.execute("SELECT seq, ts, type, data FROM operation_events"
                                          " WHERE operation_id = ? ORDER BY seq", (op_id,))]
            return op
        return self.db.run(read)

    def list(self, session_id: str | None = None, limit: int = 50) -> list[Operation]:
        def read(conn: sqlite3.Connection) -> list[Operation]:
            if session_id:
                rows = conn.execute(f"SELECT {_OP_COLS} FROM operations WHERE session_id = ?"
                                    " ORDER BY created_at DESC LIMIT ?", (session_id, limit))
            else:
                rows = conn.execute(f"SELECT {_OP_COLS} FROM operations"
                                    " ORDER BY created_at DESC LIMIT ?", (limit,))
            return [_operation(r) for r in rows.fetchall()]
        return self.db.run(read)

    def fail_unfinished(self) -> int:
        """Operations left open by a process that died: failed, with the reason."""
        now = time.time()

        def write(conn: sqlite3.Connection) -> int:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM operations WHERE state IN ('pending', 'started')")]
            for op_id in ids:
                conn.execute("UPDATE operations SET state = 'failed', error = ?, updated_at = ?"
                             " WHERE id = ?", ("interrupted: the server stopped", now, op_id))
                _add_event(conn, op_id, "state", {"state": "failed",
                                                  "error": "interrupted: the server stopped"},
                           now)
            return len(ids)
        return self.db.write(write)

    # -- artifacts -----------------------------------------------------------------------
    def add_artifact(self, op_id: str, path: str, kind: str, content: str, language: str
                     ) -> Artifact:
        art = Artifact(f"art-{uuid.uuid4().hex[:16]}", op_id, path, kind, content,
                       sha256(content), language, time.time())

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO artifacts (id, operation_id, path, kind, content, sha256,"
                         " language, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (art.id, op_id, path, kind, content, art.sha256, language,
                          art.created_at))
            _add_event(conn, op_id, "artifact", {"id": art.id, "path": path, "kind": kind,
                                                 "sha256": art.sha256}, art.created_at)
        self.db.write(write)
        return art

    def artifact(self, art_id: str) -> Artifact | None:
        def read(conn: sqlite3.Connection) -> Artifact | None:
            row = conn.execute("SELECT id, operation_id, path, kind, content, sha256, language,"
                               " created_at, applied_at FROM artifacts WHERE id = ?",
                               (art_id,)).fetchone()
            return Artifact(*row) if row else None
        return self.db.run(read)

    def mark_applied(self, art_id: str) -> None:
        self.db.write(lambda conn: conn.execute(
            "UPDATE artifacts SET applied_at = ? WHERE id = ?", (time.time(), art_id)))


_OP_COLS = "id, session_id, kind, state, message, created_at, updated_at, error"


def _operation(row: tuple[Any, ...]) -> Operation:
    return Operation(str(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]),
                     float(row[5]), float(row[6]), row[7])


def _add_event(conn: sqlite3.Connection, op_id: str, type_: str, data: dict[str, Any],
               ts: float) -> None:
    seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM operation_events"
                           " WHERE operation_id = ?", (op_id,)).fetchone()[0])
    conn.execute("INSERT INTO operation_events (operation_id, seq, ts, type, data)"
                 " VALUES (?, ?, ?, ?, ?)",
                 (op_id, seq, ts, type_, json.dumps(data, ensure_ascii=False)))
