"""SQLite reads and writes of code elements, calls and concepts (blocking).

Writers hold the workspace's code write lock and wrap each batch in one transaction;
readers use their own connection per thread (WAL: they never wait for the writer).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mira.core.code.concepts import symbol_terms
from mira.core.code.model import FileIndex, Import, Symbol
from mira.core.code.resolve import Resolved, Resolver, Row
from mira.core.stores.sql import in_lists

SYMBOL_COLUMNS = ("s.qualified_name, s.name, s.kind, f.path, s.start_line, s.start_col,"
                  " s.end_line, s.end_col, s.sel_line, s.sel_col, s.sel_end_line, s.sel_end_col,"
                  " s.signature, s.docstring, s.parent, f.language, s.bases, s.fields, s.types")
SYMBOL_FROM = "code_symbols s JOIN code_files f ON f.id = s.file_id"
INSERT_CALL = ("INSERT INTO code_calls (file_id, caller, name, receiver, line, col, callee,"
               " confidence) VALUES (?,?,?,?,?,?,?,?)")


@dataclass(frozen=True)
class FileState:
    id: int
    size: int
    mtime_ns: int
    status: str


def row_to_symbol(row: Sequence[object]) -> Symbol:
    (qualified, name, kind, path, sl, sc, el, ec, ssl, ssc, sel, sec, sig, doc, parent,
     language, bases, fields, types) = row
    return Symbol(str(qualified), str(name), str(kind), str(path), int(sl), int(sc),  # type: ignore[call-overload]
                  int(el), int(ec), int(ssl), int(ssc), int(sel), int(sec),  # type: ignore[call-overload]
                  str(sig or ""), doc if doc is None else str(doc),
                  parent if parent is None else str(parent), str(language or ""),
                  tuple(str(bases).split()), tuple(str(fields).split()),
                  tuple(str(types or "").split()))


def file_states(conn: sqlite3.Connection, paths: Sequence[str] | None = None
                ) -> dict[str, FileState]:
    if paths is None:
        rows = conn.execute("SELECT path, id, size, mtime_ns, status FROM code_files")
    else:
        marks = ",".join("?" * len(paths))
        rows = conn.execute("SELECT path, id, size, mtime_ns, status FROM code_files"
                            f" WHERE path IN ({marks})", list(paths))
    return {row[0]: FileState(row[1], row[2], row[3], row[4]) for row in rows}


def stamp(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM code_meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_stamp(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO code_meta (key, value) VALUES (?, ?)", (key, value))


def clear(conn: sqlite3.Connection) -> None:
    """Forget every file's rows (inside the caller's transaction)."""
    for table in ("code_concepts", "code_calls", "code_imports", "code_symbols", "code_files"):
        conn.execute(f"DELETE FROM {table}")


def delete_file(conn: sqlite3.Connection, file_id: int) -> None:
    conn.execute("DELETE FROM code_concepts WHERE rowid IN"
                 " (SELECT id FROM code_symbols WHERE file_id = ?)", (file_id,))
    for table in ("code_symbols", "code_imports", "code_calls"):
        conn.execute(f"DELETE FROM {table} WHERE file_id = ?", (file_id,))
    conn.execute("DELETE FROM code_files WHERE id = ?", (file_id,))


def write_file(conn: sqlite3.Connection, path: str, size: int, mtime_ns: int, status: str,
               index: FileIndex | None, calls: Iterable[tuple[int, list[Resolved]]] = (),
               old_id: int | None = None) -> int:
    """Replace a file's rows (inside the caller's transaction); return its id.

    ``calls``: (index into ``index.calls``, its resolved callees).
    """
    if old_id is not None:
        delete_file(conn, old_id)
    cur = conn.execute(
        "INSERT INTO code_files (path, language, module, size, mtime_ns, status, errors,"
        " indexed_at) VALUES (?,?,?,?,?,?,?,?)",
        (path, index.language if index else None, index.module if index else None, size,
         mtime_ns, status, index.errors if index else 0, time.time()))
    file_id = int(cur.lastrowid or 0)
    if index is None:
        return file_id
    _insert_symbols(conn, file_id, index.symbols, index.concepts)
    conn.executemany("INSERT INTO code_imports (file_id, local, module, name, line)"
                     " VALUES (?,?,?,?,?)",
                     ((file_id, i.local, i.module, i.name, i.line) for i in index.imports))
    rows = []
    for i, resolved in calls:
        c = index.calls[i]
        rows += [(file_id, c.caller, c.name, c.receiver, c.line, c.col, r.callee, r.confidence)
                 for r in resolved]
    conn.executemany(INSERT_CALL, rows)
    return file_id


def _insert_symbols(conn: sqlite3.Connection, file_id: int, symbols: list[Symbol],
                    concepts: list[tuple[str, str, str]] | None) -> None:
    first = int(conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM code_symbols").fetchone()[0])
    conn.executemany(
        "INSERT INTO code_symbols (id, file_id, qualified_name, name, kind, parent, start_line,"
        " start_col, end_line, end_col, sel_line, sel_col, sel_end_line, sel_end_col,"
        " signature, docstring, bases, fields, types)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ((first + i, file_id, s.qualified_name, s.name, s.kind, s.parent, s.start_line,
          s.start_col, s.end_line, s.end_col, s.selection_start_line, s.selection_start_col,
          s.selection_end_line, s.selection_end_col, s.signature, s.docstring,
          " ".join(s.bases), " ".join(s.fields), " ".join(s.types))
         for i, s in enumerate(symbols)))
    conn.executemany(
        "INSERT INTO code_concepts (rowid, name_terms, path_terms, doc_terms) VALUES (?,?,?,?)",
        ((first + i, *terms) for i, terms in enumerate(
            concepts or [symbol_terms(s) for s in symbols])))


def update_file(conn: sqlite3.Connection, file_id: int, path: str, size: int, mtime_ns: int,
                status: str, index: FileIndex | None) -> int:
    """Bring a stored file's rows to ``index`` writing only what changed: symbols whose
    text is unchanged keep their rows (and concept rows), moved ones get new positions.
    Calls are left to ``replace_calls``. Inside the caller's transaction."""
    conn.execute(
        "UPDATE code_files SET language = ?, module = ?, size = ?, mtime_ns = ?, status = ?,"
        " errors = ?, indexed_at = ? WHERE id = ?",
        (index.language if index else None, index.module if index else None, size, mtime_ns,
         status, index.errors if index else 0, time.time(), file_id))
    old: dict[tuple[object, ...], list[tuple[int, tuple[int, ...]]]] = {}
    for row in conn.execute(
            "SELECT id, qualified_name, name, kind, parent, signature, docstring, bases,"
            " fields, types, start_line, start_col, end_line, end_col, sel_line, sel_col,"
            " sel_end_line, sel_end_col FROM code_symbols WHERE file_id = ? ORDER BY id",
            (file_id,)):
        old.setdefault(row[1:10], []).append((row[0], row[10:]))
    added: list[tuple[int, Symbol]] = []
    moved: list[tuple[int, ...]] = []
    for i, s in enumerate(index.symbols if index else ()):
        key = (s.qualified_name, s.name, s.kind, s.parent, s.signature, s.docstring,
               " ".join(s.bases), " ".join(s.fields), " ".join(s.types))
        same = old.get(key)
        if not same:
            added.append((i, s))
            continue
        symbol_id, position = same.pop(0)
        now = (s.start_line, s.start_col, s.end_line, s.end_col, s.selection_start_line,
               s.selection_start_col, s.selection_end_line, s.selection_end_col)
        if now != position:
            moved.append((*now, symbol_id))
    gone = [symbol_id for rows in old.values() for symbol_id, _ in rows]
    for ids, marks in in_lists(gone):
        conn.execute(f"DELETE FROM code_concepts WHERE rowid IN ({marks})", ids)
        conn.execute(f"DELETE FROM code_symbols WHERE id IN ({marks})", ids)
    conn.executemany(
        "UPDATE code_symbols SET start_line = ?, start_col = ?, end_line = ?, end_col = ?,"
        " sel_line = ?, sel_col = ?, sel_end_line = ?, sel_end_col = ? WHERE id = ?", moved)
    if index is not None and added:
        _insert_symbols(conn, file_id, [s for _, s in added],
                        [index.concepts[i] for i, _ in added] if index.concepts else None)
    imports = [(i.local, i.module, i.name, i.line) for i in index.imports] if index else []
    if conn.execute("SELECT local, module, name, line FROM code_imports WHERE file_id = ?"
                    " ORDER BY rowid", (file_id,)).fetchall() != imports:
        conn.execute("DELETE FROM code_imports WHERE file_id = ?", (file_id,))
        conn.executemany("INSERT INTO code_imports (file_id, local, module, name, line)"
                         " VALUES (?,?,?,?,?)", ((file_id, *i) for i in imports))
    return file_id


def replace_calls(conn: sqlite3.Connection, file_id: int, rows: list[tuple[object, ...]]
                  ) -> None:
    """Make a file's stored calls ``rows`` (``INSERT_CALL`` tuples), writing only the
    difference."""
    old: dict[tuple[object, ...], list[int]] = {}
    for rowid, *row in conn.execute(
            "SELECT rowid, file_id, caller, name, receiver, line, col, callee, confidence"
            " FROM code_calls WHERE file_id = ?", (file_id,)):
        old.setdefault(tuple(row), []).append(rowid)
    new = []
    for row in rows:
        same = old.get(row)
        if same:
            same.pop()
        else:
            new.append(row)
    gone = [rowid for rowids in old.values() for rowid in rowids]
    for ids, marks in in_lists(gone):
        conn.execute(f"DELETE FROM code_calls WHERE rowid IN ({marks})", ids)
    conn.executemany(INSERT_CALL, new)


def symbols_of(conn: sqlite3.Connection, path: str) -> list[Symbol]:
    """A file's symbols, the module first, then in source order (outer before inner)."""
    rows = conn.execute(f"SELECT {SYMBOL_COLUMNS} FROM {SYMBOL_FROM} WHERE f.path = ?"
                        " ORDER BY s.kind != 'module', s.start_line, s.start_col,"
                        " s.end_line DESC, s.end_col DESC, s.id", (path,)).fetchall()
    return [row_to_symbol(r) for r in rows]


def symbols_named(conn: sqlite3.Connection, qualified: str) -> list[Symbol]:
    rows = conn.execute(f"SELECT {SYMBOL_COLUMNS} FROM {SYMBOL_FROM}"
                        " WHERE s.qualified_name = ? ORDER BY s.id", (qualified,)).fetchall()
    return [row_to_symbol(r) for r in rows]


def find_symbols(conn: sqlite3.Connection, text: str) -> list[Symbol]:
    """By qualified name, else by a dotted suffix of it (``Class.method``), else by name."""
    found = symbols_named(conn, text)
    if found:
        return found
    name = text.rsplit(".", 1)[-1].rsplit("::", 1)[-1]
    rows = conn.execute(f"SELECT {SYMBOL_COLUMNS} FROM {SYMBOL_FROM} WHERE s.name = ?"
                        " AND s.kind != 'module' ORDER BY s.id", (name,)).fetchall()
    symbols = [row_to_symbol(r) for r in rows]
    dotted = text.replace("::", ".")
    if "." in dotted:
        symbols = [s for s in symbols if s.qualified_name.endswith("." + dotted)]
    return symbols


def load_resolver(conn: sqlite3.Connection) -> Resolver:
    """A resolver holding every stored file's definitions and imports."""
    resolver = Resolver()
    imports: dict[int, list[Import]] = {}
    for file_id, local, module, name, line in conn.execute(
            "SELECT file_id, local, module, name, line FROM code_imports ORDER BY rowid"):
        imports.setdefault(file_id, []).append(Import(local, module, name, line))
    current: tuple[int, str, str, str] | None = None
    rows: list[Row] = []
    for file_id, path, module, language, qualified, name, kind, parent, bases, types in \
            conn.execute(
                "SELECT f.id, f.path, f.module, f.language, s.qualified_name, s.name, s.kind,"
                " s.parent, s.bases, s.types FROM code_symbols s"
                " JOIN code_files f ON f.id = s.file_id ORDER BY s.file_id, s.id"):
        if current is not None and current[0] != file_id:
            resolver.add(current[1], current[2], rows, imports.get(current[0], ()),
                         current[3])
            rows = []
        current = (file_id, path, module, language or "")
        rows.append((qualified, name, kind, parent, tuple(bases.split()),
                     tuple(types.split())))
    if current is not None:
        resolver.add(current[1], current[2], rows, imports.get(current[0], ()), current[3])
    return resolver
