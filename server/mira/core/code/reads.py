"""Reading the stored code index (blocking; the caller's per-thread connection): the call
graph walked level by level, concepts, the inputs of patterns and clusters, counts."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

from mira.core.code import store
from mira.core.code.clusters import directory_of
from mira.core.code.concepts import query_terms
from mira.core.code.model import CallEdge, Symbol
from mira.core.code.resolve import CONSTRUCTORS
from mira.core.git.history_store import recent_changesets
from mira.core.stores.sql import in_lists

MAX_DEPTH = 10


def _symbol_in(conn: sqlite3.Connection, qualified: str, path: str | None) -> Symbol | None:
    found = store.symbols_named(conn, qualified)
    if path is not None:
        found = [s for s in found if s.path == path] or found
    return found[0] if found else None


def edges(conn: sqlite3.Connection, qualified: str, depth: int, incoming: bool,
          guesses: bool = False) -> list[CallEdge]:
    """Callers (or callees) up to ``depth`` levels: resolved edges only, unless ``guesses``
    (then edges guessed by name too, marked ``confidence: "name"``). Outgoing, a
    constructor call shows as the class (not also its ``__init__``)."""
    wanted = "" if guesses else " AND c.confidence = 'resolved'"
    targets = store.find_symbols(conn, qualified)
    if not targets:
        return []
    depth = max(1, min(depth, MAX_DEPTH))
    found: list[CallEdge] = []
    seen = {t.qualified_name for t in targets}
    frontier = list(seen)
    column = "callee" if incoming else "caller"
    for level in range(1, depth + 1):
        next_frontier: list[str] = []
        for q in frontier:
            rows = conn.execute(
                f"SELECT c.caller, c.callee, c.line, c.col, c.confidence, f.path"
                f" FROM code_calls c JOIN code_files f ON f.id = c.file_id"
                f" WHERE c.{column} = ?{wanted} ORDER BY f.path, c.line, c.col",
                (q,)).fetchall()
            sites = {(r[2], r[3]) for r in rows if not incoming and
                     r[1].rsplit(".", 1)[-1] not in CONSTRUCTORS}
            for caller_q, callee_q, line, col, confidence, path in rows:
                if not incoming and (line, col) in sites and \
                        callee_q.rsplit(".", 1)[-1] in CONSTRUCTORS:
                    continue  # the class at the same site stands for it
                caller = _symbol_in(conn, caller_q, path)
                callee = _symbol_in(conn, callee_q, None)
                if caller is None or callee is None:
                    continue  # a stale edge (the definition is gone)
                found.append(CallEdge(caller, callee, line, col, confidence, level))
                reached = caller_q if incoming else callee_q
                if reached not in seen:
                    seen.add(reached)
                    next_frontier.append(reached)
        frontier = next_frontier
        if not frontier:
            break
    return found


def symbols_by_id(conn: sqlite3.Connection, ids: Sequence[int]) -> list[Symbol]:
    """The symbols of ``ids``, in that order."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT s.id, {store.SYMBOL_COLUMNS} FROM {store.SYMBOL_FROM}"
                        f" WHERE s.id IN ({marks})", list(ids)).fetchall()
    by_id = {r[0]: store.row_to_symbol(r[1:]) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def concepts(conn: sqlite3.Connection, word: str, limit: int) -> list[Symbol]:
    words = query_terms(word)
    if not words:
        return []
    match = " OR ".join(f'"{w}"*' for w in words)
    rows = conn.execute(
        f"SELECT {store.SYMBOL_COLUMNS} FROM code_concepts c"
        f" JOIN code_symbols s ON s.id = c.rowid JOIN code_files f ON f.id = s.file_id"
        f" WHERE code_concepts MATCH ? ORDER BY bm25(code_concepts, 10.0, 3.0, 1.0),"
        f" s.kind = 'module', s.id LIMIT ?", (match, limit)).fetchall()
    return [store.row_to_symbol(r) for r in rows]


def types_with_bases(conn: sqlite3.Connection) -> list[str]:
    """Qualified names of the types that name bases."""
    return [r[0] for r in conn.execute(
        "SELECT qualified_name FROM code_symbols WHERE bases != '' ORDER BY id")]


def all_symbols(conn: sqlite3.Connection) -> list[Symbol]:
    rows = conn.execute(f"SELECT {store.SYMBOL_COLUMNS} FROM {store.SYMBOL_FROM}"
                        " WHERE s.kind != 'module' ORDER BY s.id").fetchall()
    return [store.row_to_symbol(r) for r in rows]


def directory_concepts(conn: sqlite3.Connection
                       ) -> tuple[dict[str, Counter[str]], dict[str, set[str]]]:
    """Per directory (two levels deep): its symbols' name terms and its files."""
    terms_by: dict[str, Counter[str]] = {}
    files: dict[str, set[str]] = {}
    for path, terms in conn.execute(
            "SELECT f.path, c.name_terms FROM code_symbols s"
            " JOIN code_files f ON f.id = s.file_id JOIN code_concepts c ON c.rowid = s.id"
            " WHERE s.kind != 'module'"):
        key = directory_of(path)
        terms_by.setdefault(key, Counter()).update(terms.split())
        files.setdefault(key, set()).add(path)
    return terms_by, files


def directory_cochange(conn: sqlite3.Connection, repos: Iterable[Any], root: Path,
                       known: set[str], commits: int = 2000
                       ) -> tuple[Counter[tuple[str, str]], Counter[str]]:
    """How often directories changed in the same recent commits (from the git index)."""
    together: Counter[tuple[str, str]] = Counter()
    changes: Counter[str] = Counter()
    for repo in repos:
        try:
            prefix = repo.root.relative_to(root).as_posix()
        except ValueError:
            continue
        prefix = "" if prefix == "." else prefix + "/"
        try:
            rows = recent_changesets(conn, repo.root, commits)
            by_commit: dict[int, set[str]] = {}
            for commit_id, path in rows:
                key = directory_of(prefix + path)
                if key in known:
                    by_commit.setdefault(commit_id, set()).add(key)
        except sqlite3.OperationalError:  # no git index in this database
            continue
        for keys in by_commit.values():
            changes.update(keys)
            together.update(combinations(sorted(keys), 2))
    return together, changes


def counts(conn: sqlite3.Connection) -> dict[str, Any]:
    """Files by status, symbols, calls, and the first files too large to parse."""
    by_status = dict(conn.execute(
        "SELECT status, COUNT(*) FROM code_files GROUP BY status").fetchall())
    large = [r[0] for r in conn.execute(
        "SELECT path FROM code_files WHERE status = 'too_large' ORDER BY path LIMIT 20")]
    symbols = conn.execute("SELECT COUNT(*) FROM code_symbols WHERE kind != 'module'"
                           ).fetchone()[0]
    calls = conn.execute("SELECT COUNT(*) FROM code_calls").fetchone()[0]
    return {"files": by_status.pop("indexed", 0), "skipped": by_status, "symbols": symbols,
            "calls": calls, "tooLarge": large}


def caller_counts(conn: sqlite3.Connection, qualified: Sequence[str]) -> dict[str, int]:
    """Distinct callers of each symbol (resolved edges): its fan-in in the call graph."""
    wanted = list(dict.fromkeys(qualified))
    counts: dict[str, int] = {}
    for part, marks in in_lists(wanted):
        counts.update((str(callee), int(n)) for callee, n in conn.execute(
            "SELECT callee, COUNT(DISTINCT caller) FROM code_calls WHERE confidence ="
            f" 'resolved' AND callee IN ({marks}) GROUP BY callee", part))
    return counts
