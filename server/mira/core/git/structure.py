"""Structural coupling for co-change: imports, calls and inheritance between files.

Read from the code-intelligence tables of the same workspace database (paths there
are workspace-relative). A file that imports or calls into another is a likely
partner even when history has not paired them yet (a new module, a young
repository). When the code index is absent or still empty, there is simply no
structural evidence: co-change degrades to history and names.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import aiosqlite

from mira.core.code.extract import module_name

log = logging.getLogger(__name__)

IMPORTS = "imports it"
IMPORTED_BY = "imported by it"
CALLS = "calls into it"
CALLED_BY = "called from it"
INHERITS = "inherits from it"
MAX_PARTNERS = 200  # a utility module imported everywhere tells little about any one


async def structural_partners(conn: aiosqlite.Connection, path: str,
                              modules: dict[str, str] | None = None) -> dict[str, str]:
    """Workspace-relative files structurally coupled to ``path`` -> how.

    ``modules`` maps module names to files (``module_index``), cached by the caller."""
    try:
        return await _partners(conn, path, modules)
    except (sqlite3.Error, ValueError) as exc:  # no code tables yet, or mid-migration
        log.debug("no structural evidence for %s: %s", path, exc)
        return {}


async def module_index(conn: aiosqlite.Connection) -> dict[str, str]:
    """Module name -> file, for every indexed code file (Python dotted names)."""
    try:
        rows = await conn.execute_fetchall("SELECT path, module FROM code_files")
    except sqlite3.Error:
        return {}
    return {str(module or module_name(str(path))): str(path) for path, module in rows}


async def _partners(conn: aiosqlite.Connection, path: str, modules: dict[str, str] | None
                    ) -> dict[str, str]:
    rows = list(await conn.execute_fetchall(
        "SELECT id, module FROM code_files WHERE path = ?", (path,)))
    if not rows:
        return {}
    file_id = int(rows[0][0])
    own_module = str(rows[0][1] or module_name(path))
    modules = modules if modules is not None else await module_index(conn)
    found: dict[str, str] = {}

    def add(paths: Any, label: str) -> None:
        for (other,) in paths:
            if other != path and other not in found and len(found) < MAX_PARTNERS:
                found[str(other)] = label

    imported = await conn.execute_fetchall(
        "SELECT module, name FROM code_imports WHERE file_id = ?", (file_id,))
    targets: list[tuple[str]] = []
    for module, name in imported:
        for candidate in (f"{module}.{name}" if name else None, module):
            if candidate and candidate in modules:
                targets.append((modules[candidate],))
                break
    add(sorted(set(targets)), IMPORTS)
    add(await conn.execute_fetchall(
        "SELECT DISTINCT f.path FROM code_symbols s JOIN code_files f ON f.id = s.file_id"
        " WHERE s.qualified_name IN (SELECT callee FROM code_calls WHERE file_id = ?)"
        " ORDER BY f.path", (file_id,)), CALLS)
    bases = {b for (text,) in await conn.execute_fetchall(
        "SELECT bases FROM code_symbols WHERE file_id = ? AND bases != ''", (file_id,))
        for b in str(text).split()}
    if bases:
        marks = ",".join("?" * len(bases))
        add(await conn.execute_fetchall(
            "SELECT DISTINCT f.path FROM code_symbols s JOIN code_files f ON f.id = s.file_id"
            f" WHERE s.qualified_name IN ({marks}) ORDER BY f.path", sorted(bases)), INHERITS)
    add(await conn.execute_fetchall(
        "SELECT DISTINCT f.path FROM code_imports i JOIN code_files f ON f.id = i.file_id"
        " WHERE i.module = ? OR i.module || '.' || COALESCE(i.name, '') = ? ORDER BY f.path",
        (own_module, own_module)), IMPORTED_BY)
    add(await conn.execute_fetchall(
        "SELECT DISTINCT f.path FROM code_calls c JOIN code_files f ON f.id = c.file_id"
        " WHERE c.callee IN (SELECT qualified_name FROM code_symbols WHERE file_id = ?)"
        " ORDER BY f.path", (file_id,)), CALLED_BY)
    return found
