"""SQLite storage of memory (migration 0007): entries, FTS5 keyword index, summaries, facts.

Blocking functions taking a connection; the memory service calls them in a
worker thread. The FTS5 table shares rowids with ``memory_entries``.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from typing import Any


@dataclass
class Entry:
    id: int
    session_id: str
    role: str
    content: str
    ts: float
    salience: float
    tokens: int


@dataclass
class StoredFact:
    key: str
    value: str
    confidence: float
    source: str
    session_id: str | None
    created_at: float
    updated_at: float


@dataclass
class Summary:
    session_id: str
    window: int
    first_id: int
    last_id: int
    text: str
    method: str


_COLS = "id, session_id, role, content, ts, salience, tokens"


def _entry(row: tuple[Any, ...]) -> Entry:
    return Entry(int(row[0]), str(row[1]), str(row[2]), str(row[3]), float(row[4]),
                 float(row[5]), int(row[6]))


def add_entry(conn: sqlite3.Connection, session_id: str, role: str, content: str,
              salience: float, tokens: int, ts: float | None = None) -> int:
    """Inside the caller's write transaction (``Database.write``)."""
    cur = conn.execute(
        "INSERT INTO memory_entries(session_id, role, content, ts, salience, tokens)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (session_id, role, content, time.time() if ts is None else ts, salience, tokens))
    entry_id = int(cur.lastrowid or 0)
    conn.execute("INSERT INTO memory_entries_fts(rowid, content) VALUES (?, ?)",
                 (entry_id, content))
    return entry_id


def mark_embedded(conn: sqlite3.Connection, entry_id: int) -> None:
    conn.execute("UPDATE memory_entries SET embedded = 1 WHERE id = ?", (entry_id,))


def count(conn: sqlite3.Connection, session_id: str) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM memory_entries WHERE session_id = ?",
                            (session_id,)).fetchone()[0])


def recent(conn: sqlite3.Connection, session_id: str, limit: int) -> list[Entry]:
    rows = conn.execute(f"SELECT {_COLS} FROM memory_entries WHERE session_id = ?"
                        " ORDER BY id DESC LIMIT ?", (session_id, limit)).fetchall()
    return [_entry(r) for r in reversed(rows)]


def by_ids(conn: sqlite3.Connection, ids: list[int]) -> list[Entry]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT {_COLS} FROM memory_entries WHERE id IN ({marks})",
                        ids).fetchall()
    return [_entry(r) for r in rows]


_TERM = re.compile(r"[^\W_]{3,}", re.UNICODE)


def fts_query(text: str, max_terms: int = 16) -> str | None:
    """An FTS5 OR-query of the text's words (quoted: no FTS syntax gets through)."""
    terms = list(dict.fromkeys(t.lower() for t in _TERM.findall(text)))[:max_terms]
    if not terms:
        return None
    return " OR ".join(f'"{t}"' for t in terms)


def keyword_search(conn: sqlite3.Connection, text: str, session_id: str | None,
                   limit: int) -> list[tuple[Entry, float]]:
    """Entries matching the text's words, best first, with a 0..1 similarity."""
    query = fts_query(text)
    if query is None:
        return []
    sql = (f"SELECT {', '.join('e.' + c.strip() for c in _COLS.split(','))},"
           " bm25(memory_entries_fts) AS rank FROM memory_entries_fts"
           " JOIN memory_entries e ON e.id = memory_entries_fts.rowid"
           " WHERE memory_entries_fts MATCH ?")
    args: list[object] = [query]
    if session_id is not None:
        sql += " AND e.session_id = ?"
        args.append(session_id)
    sql += " ORDER BY rank LIMIT ?"
    args.append(limit)
    rows = conn.execute(sql, args).fetchall()
    if not rows:
        return []
    best = min(float(r[7]) for r in rows)  # bm25: more negative is better
    return [(_entry(r), float(r[7]) / best if best < 0 else 0.0) for r in rows]


def window(conn: sqlite3.Connection, session_id: str, size: int) -> list[Entry]:
    return recent(conn, session_id, size)


def add_summary(conn: sqlite3.Connection, summary: Summary) -> None:
    conn.execute("INSERT INTO memory_summaries(session_id, window, first_id, last_id, text,"
                 " method, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (summary.session_id, summary.window, summary.first_id, summary.last_id,
                  summary.text, summary.method, time.time()))


def latest_summaries(conn: sqlite3.Connection, session_id: str) -> list[Summary]:
    """The newest summary of each window size, widest window first."""
    rows = conn.execute(
        "SELECT session_id, window, first_id, last_id, text, method FROM memory_summaries s"
        " WHERE session_id = ? AND id = (SELECT MAX(id) FROM memory_summaries"
        " WHERE session_id = s.session_id AND window = s.window) ORDER BY window DESC",
        (session_id,)).fetchall()
    return [Summary(str(r[0]), int(r[1]), int(r[2]), int(r[3]), str(r[4]), str(r[5]))
            for r in rows]


def upsert_fact(conn: sqlite3.Connection, key: str, value: str, confidence: float,
                source: str, session_id: str | None) -> None:
    """Insert or update a fact; a weaker guess never overwrites a stronger statement."""
    now = time.time()
    conn.execute(
        "INSERT INTO memory_facts(key, value, confidence, source, session_id, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET"
        " value = excluded.value, confidence = excluded.confidence, source = excluded.source,"
        " session_id = excluded.session_id, updated_at = excluded.updated_at"
        " WHERE excluded.confidence >= memory_facts.confidence",
        (key, value, confidence, source, session_id, now, now))


def facts(conn: sqlite3.Connection) -> list[StoredFact]:
    rows = conn.execute("SELECT key, value, confidence, source, session_id, created_at,"
                        " updated_at FROM memory_facts ORDER BY confidence DESC, key").fetchall()
    return [StoredFact(str(r[0]), str(r[1]), float(r[2]), str(r[3]),
                       None if r[4] is None else str(r[4]), float(r[5]), float(r[6]))
            for r in rows]


def forget(conn: sqlite3.Connection, key: str) -> bool:
    return conn.execute("DELETE FROM memory_facts WHERE key = ?", (key,)).rowcount > 0
