"""Reasoning patterns, their uses and the traces of finished operations (migration 0015)."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Pattern:
    id: int
    title: str
    trigger: str
    keywords: list[str]
    file_kinds: list[str]
    embedding: list[float] | None
    steps: list[dict[str, Any]]
    plan: list[str]
    source: str
    source_ref: str | None
    uses: int = 0
    successes: int = 0
    failures: int = 0
    created_at: float = 0.0
    last_used: float | None = None

    @property
    def success_rate(self) -> float | None:
        judged = self.successes + self.failures
        return self.successes / judged if judged else None

    @property
    def smoothed_success(self) -> float:
        return (self.successes + 1) / (self.successes + self.failures + 2)


@dataclass
class Trace:
    operation_id: str
    message: str
    file_kinds: list[str]
    steps: list[dict[str, Any]]
    plan: list[str]
    outcome: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_COLS = ("id, title, trigger, keywords, file_kinds, embedding, steps, plan, source, source_ref,"
         " uses, successes, failures, created_at, last_used")


def _pattern(row: tuple[Any, ...]) -> Pattern:
    (pid, title, trigger, kw, kinds, emb, steps, plan, source, ref, uses, succ, fail, created,
     last) = row
    return Pattern(pid, title, trigger, json.loads(kw), json.loads(kinds),
                   json.loads(emb) if emb else None, json.loads(steps), json.loads(plan),
                   source, ref, uses, succ, fail, created, last)


def patterns(conn: sqlite3.Connection) -> list[Pattern]:
    return [_pattern(r) for r in conn.execute(f"SELECT {_COLS} FROM reasoning_patterns"
                                              " ORDER BY id")]


def pattern(conn: sqlite3.Connection, pid: int) -> Pattern | None:
    row = conn.execute(f"SELECT {_COLS} FROM reasoning_patterns WHERE id = ?", (pid,)).fetchone()
    return _pattern(row) if row else None


def by_ref(conn: sqlite3.Connection, ref: str) -> Pattern | None:
    row = conn.execute(f"SELECT {_COLS} FROM reasoning_patterns WHERE source_ref = ?",
                       (ref,)).fetchone()
    return _pattern(row) if row else None


def insert(conn: sqlite3.Connection, p: Pattern) -> int:
    cur = conn.execute(
        "INSERT INTO reasoning_patterns(title, trigger, keywords, file_kinds, embedding, steps,"
        " plan, source, source_ref, uses, successes, failures, created_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (p.title, p.trigger, json.dumps(p.keywords), json.dumps(p.file_kinds),
         json.dumps(p.embedding) if p.embedding else None, json.dumps(p.steps),
         json.dumps(p.plan), p.source, p.source_ref, p.uses, p.successes, p.failures,
         time.time()))
    return int(cur.lastrowid or 0)


def set_embedding(conn: sqlite3.Connection, pid: int, vec: list[float]) -> None:
    conn.execute("UPDATE reasoning_patterns SET embedding = ? WHERE id = ?",
                 (json.dumps(vec), pid))


def forget(conn: sqlite3.Connection, pid: int) -> bool:
    conn.execute("DELETE FROM pattern_usage WHERE pattern_id = ?", (pid,))
    conn.execute("DELETE FROM memory_relations WHERE kind = 'pattern' AND target = ?",
                 (str(pid),))
    return conn.execute("DELETE FROM reasoning_patterns WHERE id = ?", (pid,)).rowcount > 0


def record_use(conn: sqlite3.Connection, pid: int, op_id: str, sim: float) -> None:
    now = time.time()
    conn.execute("INSERT INTO pattern_usage(pattern_id, operation_id, similarity, created_at)"
                 " VALUES (?,?,?,?)", (pid, op_id, sim, now))
    conn.execute("UPDATE reasoning_patterns SET uses = uses + 1, last_used = ? WHERE id = ?",
                 (now, pid))


def settle_uses(conn: sqlite3.Connection, op_id: str, outcome: str) -> list[int]:
    """Give the operation's pattern uses their outcome (a later one overrides: a thumbs-down
    after an applied artifact counts as a failure). Returns the patterns touched."""
    touched = []
    for uid, pid, old in conn.execute("SELECT id, pattern_id, outcome FROM pattern_usage"
                                      " WHERE operation_id = ?", (op_id,)).fetchall():
        if old == outcome:
            continue
        column = "successes" if outcome == "success" else "failures"
        conn.execute(f"UPDATE reasoning_patterns SET {column} = {column} + 1 WHERE id = ?",
                     (pid,))
        if old is not None:
            other = "failures" if outcome == "success" else "successes"
            conn.execute(f"UPDATE reasoning_patterns SET {other} = MAX({other} - 1, 0)"
                         " WHERE id = ?", (pid,))
        conn.execute("UPDATE pattern_usage SET outcome = ? WHERE id = ?", (outcome, uid))
        touched.append(pid)
    return touched


def save_trace(conn: sqlite3.Connection, t: Trace) -> None:
    conn.execute("INSERT OR REPLACE INTO reasoning_traces(operation_id, message, file_kinds,"
                 " steps, plan, created_at) VALUES (?,?,?,?,?,?)",
                 (t.operation_id, t.message, json.dumps(t.file_kinds), json.dumps(t.steps),
                  json.dumps(t.plan), time.time()))


def trace(conn: sqlite3.Connection, op_id: str) -> Trace | None:
    row = conn.execute("SELECT operation_id, message, file_kinds, steps, plan, outcome FROM"
                       " reasoning_traces WHERE operation_id = ?", (op_id,)).fetchone()
    if row is None:
        return None
    oid, message, kinds, steps, plan, outcome = row
    return Trace(oid, message, json.loads(kinds), json.loads(steps), json.loads(plan), outcome)


def set_trace_outcome(conn: sqlite3.Connection, op_id: str, outcome: str) -> None:
    conn.execute("UPDATE reasoning_traces SET outcome = ? WHERE operation_id = ?",
                 (outcome, op_id))
