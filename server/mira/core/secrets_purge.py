"""Upgrading a store written under older (or no) secret rules: purge what the gate now
forbids, once per ``GATE_VERSION`` (stamped in ``gate_state``, migration 0010).

Why a startup step and not SQL: deciding secrecy needs the gate (names, the user's
globs, file contents, token patterns); SQL cannot. What it does:
- chunks of files the gate refuses (secret by name or content, outside the workspace)
  are deleted, with the code index's rows for those files and build-history hunks of
  those files;
- every other text column of every table is redacted in place (commit subjects,
  chunks, symbols' signatures and docstrings, fix commits, memory, chat operations):
  secret tokens, and lines of the files the gate refuses (an answer written before
  the gate may quote a ``.env``) — those files are read here, in memory, only to find
  their lines in the store;
- the points of deleted or changed chunks leave the local vector stores, and changed chunks
  are re-embedded from the redacted text (vectors are a cache, SQLite holds every chunk; a
  store that cannot be opened is dropped whole and its collection re-embedded);
- then FTS5 segments are merged (``optimize``: deleted terms leave the index), the
  database is vacuumed and the WAL truncated, so no old byte survives in ``.mira/``.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from mira.core import files, secrets
from mira.core.stores.database import connect

log = logging.getLogger(__name__)
_DIFF_SECTION = re.compile(r"(?m)^(?=diff --git )")
_DIFF_PATHS = re.compile(r"diff --git a/(.*?) b/(.*)")


@dataclass
class PurgeReport:
    ran: bool = False
    chunks_deleted: int = 0
    code_files_deleted: int = 0
    values_redacted: int = 0
    collections_reset: list[str] = field(default_factory=list)
    seconds: float = 0.0


def purge_if_needed(db_path: Path, gate: files.Gate, data_dir: Path) -> PurgeReport:
    """Purge a workspace's store when it was written under other gate rules.

    A startup step like the migrations (``Workspace.open``, after ``db.open()`` and before
    any service writes): its own short-lived connection, closed before indexing starts."""
    conn = connect(db_path)
    try:
        row = conn.execute("SELECT value FROM gate_state WHERE key = 'version'").fetchone()
        if row is not None and row[0] == str(secrets.GATE_VERSION):
            return PurgeReport()
        report = purge(conn, gate, data_dir) if _has_data(conn) \
            else PurgeReport()  # a new store: nothing written under older rules
        conn.execute("INSERT INTO gate_state(key, value) VALUES ('version', ?) ON CONFLICT(key)"
                     " DO UPDATE SET value = excluded.value", (str(secrets.GATE_VERSION),))
        conn.commit()
        if report.chunks_deleted or report.values_redacted or report.code_files_deleted:
            log.warning("secrets gate v%d: purged %d chunk(s) and %d indexed file(s), redacted"
                        " %d stored value(s) written under older rules (%.1f s)",
                        secrets.GATE_VERSION, report.chunks_deleted, report.code_files_deleted,
                        report.values_redacted, report.seconds)
        return report
    finally:
        conn.close()


def purge(conn: sqlite3.Connection, gate: files.Gate, data_dir: Path) -> PurgeReport:
    started = time.perf_counter()
    report = PurgeReport(ran=True)
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("BEGIN IMMEDIATE")
    try:
        changed = _purge_chunks(conn, gate, report)
        _purge_code_files(conn, gate, report)
        _purge_fix_hunks(conn, gate)
        for collection, ids in _redact_all_text(conn, report, _forbidden_lines(gate)).items():
            changed.setdefault(collection, set()).update(ids)
            conn.executemany("UPDATE semantic_chunks SET embedded = 0 WHERE id = ?",
                             [(i,) for i in ids])
        dimensions = dict(conn.execute("SELECT name, dimension FROM semantic_collections"))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    for collection, ids in sorted(changed.items()):
        if not _delete_points(data_dir, collection, sorted(ids), dimensions.get(collection)):
            conn.execute("UPDATE semantic_chunks SET embedded = 0 WHERE collection = ?",
                         (collection,))
            conn.commit()
            report.collections_reset.append(collection)
    if report.chunks_deleted or report.values_redacted or report.code_files_deleted:
        _compact(conn)
    report.seconds = time.perf_counter() - started
    return report


def _tables(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return [(r[0], r[1] or "") for r in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
        " AND name NOT LIKE 'sqlite_%'")]


def _delete_points(data_dir: Path, collection: str, ids: list[int],
                   dimension: int | None) -> bool:
    """Remove ``ids`` from the collection's local vector stores; False when a store could not
    be opened (it is then removed whole: vectors are a cache)."""
    ok = True
    for directory in (data_dir / "vectors").glob(f"{collection}-*"):
        try:
            from mira.core.semantic.vector_store import EdgeStore

            store = EdgeStore(directory, int(dimension or 0))
            try:
                store.delete(ids)
            finally:
                store.close()
        except Exception:
            log.warning("cannot open %s to purge it; it is rebuilt", directory, exc_info=True)
            shutil.rmtree(directory, ignore_errors=True)
            ok = False
    return ok


def _purge_chunks(conn: sqlite3.Connection, gate: files.Gate,
                  report: PurgeReport) -> dict[str, set[int]]:
    """Delete the code chunks of files the gate refuses; their ids by collection."""
    verdicts: dict[str, bool] = {}
    doomed: list[int] = []
    for chunk_id, path in conn.execute("SELECT id, path FROM semantic_chunks"
                                       " WHERE collection = 'code' AND path IS NOT NULL"):
        if path not in verdicts:
            verdicts[path] = _refused(gate, path)
        if verdicts[path]:
            doomed.append(chunk_id)
    conn.executemany("DELETE FROM semantic_chunks WHERE id = ?", [(i,) for i in doomed])
    report.chunks_deleted += len(doomed)
    return {"code": set(doomed)} if doomed else {}


def _refused(gate: files.Gate, rel: str) -> bool:
    if gate.is_secret(rel) or rel.startswith(".mira/") or files.skipped(rel):
        return True
    read = gate.read(rel)
    return read.status in ("secret", "outside")


def _purge_code_files(conn: sqlite3.Connection, gate: files.Gate, report: PurgeReport) -> None:
    if not _has_table(conn, "code_files"):
        return
    from mira.core.code import store

    for file_id, path in conn.execute("SELECT id, path FROM code_files").fetchall():
        if gate.is_secret(path) or gate.read(path).status in ("secret", "outside"):
            store.delete_file(conn, file_id)
            report.code_files_deleted += 1


def _purge_fix_hunks(conn: sqlite3.Connection, gate: files.Gate) -> None:
    """Drop the diff sections of secret files from mined fix commits."""
    if not _has_table(conn, "fix_commits"):
        return
    gates: dict[str, files.Gate] = {}
    for rowid, root, diff in conn.execute("SELECT rowid, repo_root, diff FROM fix_commits"
                                          " WHERE diff LIKE '%diff --git %'").fetchall():
        repo_gate = gates.setdefault(root, files.Gate(Path(root), gate.secret_globs))
        kept = [section for section in _DIFF_SECTION.split(diff)
                if not _secret_section(section, repo_gate)]
        if len(kept) != len(_DIFF_SECTION.split(diff)):
            conn.execute("UPDATE fix_commits SET diff = ? WHERE rowid = ?",
                         ("".join(kept), rowid))


def _secret_section(section: str, gate: files.Gate) -> bool:
    match = _DIFF_PATHS.match(section)
    return match is not None and (gate.is_secret(match.group(1))
                                  or gate.is_secret(match.group(2).split("\n")[0]))


MIN_LINE_CHARS = 8
MAX_LINES = 5000


def _forbidden_lines(gate: files.Gate) -> re.Pattern[str] | None:
    """A pattern matching the lines of every file the gate refuses (secret by name or
    content, or outside the workspace through a link)."""
    lines: set[str] = set()
    for rel in files.candidates(gate.root):
        if rel.startswith(".mira/") or files.skipped(rel):
            continue
        if not gate.is_secret(rel) and gate.read(rel).status not in ("secret", "outside"):
            continue
        try:
            data = (gate.root / rel).read_bytes()[:files.MAX_FILE_BYTES]
        except OSError:
            continue
        for line in data.decode("utf-8", errors="replace").splitlines():
            line = line.strip()
            if len(line) >= MIN_LINE_CHARS and any(ch.isalnum() for ch in line):
                lines.add(line)
    if not lines:
        return None
    ordered = sorted(lines, key=len, reverse=True)[:MAX_LINES]
    return re.compile("|".join(re.escape(line) for line in ordered))


def _redact_all_text(conn: sqlite3.Connection, report: PurgeReport,
                     forbidden: re.Pattern[str] | None) -> dict[str, set[int]]:
    """Redact secret tokens in every text value of every table (FTS5 tables that mirror
    another table's content follow through its triggers); the chunks changed, by collection."""
    changed: dict[str, set[int]] = {}
    fts = {name for name, sql in _tables(conn) if "VIRTUAL TABLE" in sql.upper()}
    shadows = {f"{name}_{part}" for name in fts
               for part in ("data", "idx", "content", "docsize", "config")}
    for table, sql in _tables(conn):
        if table in shadows:
            continue  # FTS5's own storage: rewritten by 'optimize' below
        if table in fts and "content=" in sql.replace(" ", "").lower():
            continue  # external content: kept in sync by the owner table's triggers
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')
                   if table in fts or "TEXT" in (r[2] or "").upper() or not r[2]]
        if not columns:
            continue
        select = ", ".join(f'"{c}"' for c in columns)
        try:
            rows = conn.execute(f'SELECT rowid, {select} FROM "{table}"').fetchall()
        except sqlite3.OperationalError:
            continue  # WITHOUT ROWID: Mira has none
        for rowid, *values in rows:
            updates = {}
            for column, value in zip(columns, values, strict=True):
                if isinstance(value, str) and value:
                    redacted = _redact_value(value, forbidden)
                    if redacted != value:
                        updates[column] = redacted
            if not updates:
                continue
            report.values_redacted += len(updates)
            if table == "semantic_chunks":
                updates.setdefault("text", values[columns.index("text")])
                updates["search_text"] = _search_text(updates["text"])
                updates["content_hash"] = _content_hash(updates["text"])
                collection = values[columns.index("collection")]
                changed.setdefault(str(collection), set()).add(int(rowid))
            assignments = ", ".join(f'"{c}" = ?' for c in updates)
            conn.execute(f'UPDATE "{table}" SET {assignments} WHERE rowid = ?',
                         (*updates.values(), rowid))
    return changed


def _redact_value(value: str, forbidden: re.Pattern[str] | None) -> str:
    """Redact text; JSON documents (tool events, cached responses) stay valid JSON."""
    if value[:1] in "[{":
        try:
            decoded = json.loads(value)
        except ValueError:
            return _redact_text(value, forbidden)
        redacted = _redact_json(decoded, forbidden)
        return value if redacted == decoded else json.dumps(redacted)
    return _redact_text(value, forbidden)


def _redact_text(text: str, forbidden: re.Pattern[str] | None) -> str:
    text = secrets.redact(text)
    return forbidden.sub("[REDACTED:secret-file]", text) if forbidden is not None else text


def _redact_json(value: object, forbidden: re.Pattern[str] | None) -> object:
    if isinstance(value, str):
        return _redact_text(value, forbidden)
    if isinstance(value, list):
        return [_redact_json(v, forbidden) for v in value]
    if isinstance(value, dict):
        return {k: _redact_json(v, forbidden) for k, v in value.items()}
    return value


def _search_text(text: str) -> str:
    from mira.core.semantic.chunks import search_text

    return search_text(text)


def _content_hash(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()


def _has_data(conn: sqlite3.Connection) -> bool:
    """Whether any table other than bookkeeping holds a row (a fresh store holds none)."""
    tables = _tables(conn)
    fts = {name for name, sql in tables if "VIRTUAL TABLE" in sql.upper()}
    shadows = {f"{name}_{part}" for name in fts
               for part in ("data", "idx", "content", "docsize", "config")}
    for name, _sql in tables:
        if name in ("schema_migrations", "gate_state", "code_meta") or name in fts \
                or name in shadows:
            continue
        try:
            if conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() is not None:
                return True
        except sqlite3.OperationalError:
            continue
    return False


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (name,)).fetchone() is not None


def _compact(conn: sqlite3.Connection) -> None:
    """Leave no purged byte behind: merge FTS5 segments, vacuum, truncate the WAL."""
    for name, sql in _tables(conn):
        if "USING FTS5" in sql.upper():
            conn.execute(f"INSERT INTO \"{name}\"(\"{name}\") VALUES ('optimize')")
    conn.commit()
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
