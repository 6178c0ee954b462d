"""SQLite reads and writes of build runs, errors, fingerprints and resolutions (blocking).

Callers run these in a worker thread. Each function takes an open connection in
autocommit mode and wraps its writes in one transaction, so a crash mid-run never
leaves half a run behind and earlier runs are never touched.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

from mira.core.build.normalize import fingerprint, skeleton
from mira.core.build.records import BuildError, ParsedError, Resolution


@dataclass
class StoredRun:
    id: int
    command: str
    head: str | None
    dirty_files: list[str]
    status: str


def insert_run(conn: sqlite3.Connection, *, command: str, exit_code: int | None,
               duration_s: float, started_at: float, head: str | None,
               dirty_files: list[str], status: str, message: str | None, output_bytes: int,
               truncated: bool, errors: list[ParsedError]) -> tuple[int, list[BuildError]]:
    cur = conn.execute(
        "INSERT INTO build_runs (command, exit_code, duration_s, started_at, head_oid, dirty,"
        " dirty_files, status, message, output_bytes, truncated)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (command, exit_code, duration_s, started_at, head, int(bool(dirty_files)),
         json.dumps(dirty_files), status, message, output_bytes, int(truncated)))
    run_id = int(cur.lastrowid or 0)
    stored: list[BuildError] = []
    now = time.time()
    for e in errors:
        fp = fingerprint(e.tool, e.code, e.message)
        conn.execute(
            "INSERT INTO build_errors (run_id, fingerprint, tool, code, message, path, line,"
            " col, severity, detail, symbol) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (run_id, fp, e.tool, e.code, e.message, e.path, e.line, e.column, e.severity,
             e.detail, e.symbol))
        conn.execute(
            "INSERT INTO build_fingerprints VALUES (?,?,?,?,?,1,?,?)"
            " ON CONFLICT(fingerprint) DO UPDATE SET occurrences = occurrences + 1,"
            " last_seen = excluded.last_seen",
            (fp, e.tool, e.code, skeleton(e.message), e.message, now, now))
        stored.append(BuildError(e.tool, e.code, e.message, e.path, e.line, e.column,
                                 e.severity, run_id, fp))
    return run_id, stored


def previous_run(conn: sqlite3.Connection, command: str, before: int) -> StoredRun | None:
    """The last completed (passed/failed) run of ``command`` before run ``before``."""
    row = conn.execute(
        "SELECT id, command, head_oid, dirty_files, status FROM build_runs"
        " WHERE command = ? AND id < ? AND status IN ('passed', 'failed')"
        " ORDER BY id DESC LIMIT 1", (command, before)).fetchone()
    if row is None:
        return None
    return StoredRun(row[0], row[1], row[2], json.loads(row[3]), row[4])


def errors_of(conn: sqlite3.Connection, run_id: int) -> list[BuildError]:
    rows = conn.execute(
        "SELECT tool, code, message, path, line, col, severity, run_id, fingerprint"
        " FROM build_errors WHERE run_id = ? ORDER BY id", (run_id,)).fetchall()
    return [BuildError(*row) for row in rows]


def insert_resolutions(conn: sqlite3.Connection, resolved: list[BuildError], *, run_id: int,
                       head_before: str | None, head_after: str | None, files: list[str],
                       commit: str | None, diff: str) -> None:
    now = time.time()
    for e in resolved:
        conn.execute(
            "INSERT INTO build_resolutions (fingerprint, message, path, first_run_id,"
            " resolved_run_id, resolved_at, head_before, head_after, files, commit_oid, diff)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (e.fingerprint, e.message, e.path, e.run_id, run_id, now, head_before,
             head_after, json.dumps(files), commit, diff))


def uncommitted_resolutions(conn: sqlite3.Connection) -> list[tuple[int, str | None, list[str]]]:
    rows = conn.execute("SELECT id, head_after, files FROM build_resolutions"
                        " WHERE commit_oid IS NULL").fetchall()
    return [(r[0], r[1], json.loads(r[2])) for r in rows]


def set_resolution_commit(conn: sqlite3.Connection, resolution_id: int, commit: str) -> None:
    conn.execute("UPDATE build_resolutions SET commit_oid = ? WHERE id = ?",
                 (commit, resolution_id))


def resolutions(conn: sqlite3.Connection, limit: int) -> list[Resolution]:
    rows = conn.execute(
        "SELECT fingerprint, message, commit_oid, files, resolved_at FROM build_resolutions"
        " ORDER BY resolved_at DESC, id DESC LIMIT ?", (limit,)).fetchall()
    return [Resolution(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]


def committed_resolutions(conn: sqlite3.Connection
                          ) -> list[tuple[str, str, str, list[str], str]]:
    """(fingerprint, commit, diff, files, message) of resolutions whose fix was committed."""
    rows = conn.execute("SELECT fingerprint, commit_oid, diff, files, message"
                        " FROM build_resolutions WHERE commit_oid IS NOT NULL").fetchall()
    return [(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]


def latest_errors(conn: sqlite3.Connection, limit: int) -> list[BuildError]:
    """Errors of the latest completed run of each command, newest run first."""
    rows = conn.execute(
        "SELECT MAX(id) FROM build_runs WHERE status IN ('passed', 'failed')"
        " GROUP BY command ORDER BY MAX(id) DESC").fetchall()
    out: list[BuildError] = []
    for (run_id,) in rows:
        out.extend(errors_of(conn, run_id))
        if len(out) >= limit:
            break
    return out[:limit]


def runs(conn: sqlite3.Connection, limit: int) -> list[dict[str, object]]:
    rows = conn.execute(
        "SELECT id, command, exit_code, duration_s, started_at, head_oid, dirty, status,"
        " message, truncated, (SELECT COUNT(*) FROM build_errors e WHERE e.run_id = r.id)"
        " FROM build_runs r ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    keys = ("id", "command", "exitCode", "durationS", "startedAt", "head", "dirty", "status",
            "message", "truncated", "errors")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def fix_commit_rows(conn: sqlite3.Connection, roots: list[str]) -> list[tuple[object, ...]]:
    marks = ",".join("?" for _ in roots) or "''"
    return conn.execute(
        f"SELECT oid, subject, body, author, time, files, diff, fix_like FROM fix_commits"
        f" WHERE repo_root IN ({marks})", roots).fetchall()
