"""The package's import structure and who may query which tables.

mira.core stays IDE-agnostic (no pygls / lsprotocol under it); context never imports chat;
git's tables are queried only by the git package.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "server" / "mira"
CORE = PACKAGE / "core"
FORBIDDEN = ("pygls", "lsprotocol", "mira.lsp")
# the migrations whose tables belong to core/git (history, co-change calibration)
GIT_MIGRATIONS = ("0001_git_history.sql", "0013_cochange_calibration.sql")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_does_not_import_lsp_layers() -> None:
    offenders = {
        str(path.relative_to(CORE)): sorted(m for m in imported_modules(path)
                                           if m.split(".")[0] in FORBIDDEN[:2]
                                           or m.startswith(FORBIDDEN[2]))
        for path in CORE.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) > 5  # the walk really saw the package


def test_context_does_not_import_chat() -> None:
    """Chat builds on context (``mira.core.context.api``); the other way would be a cycle."""
    offenders = {
        str(path.relative_to(CORE)): sorted(m for m in imported_modules(path)
                                           if m.startswith("mira.core.chat"))
        for path in (CORE / "context").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert "context/api.py" in offenders


def git_tables() -> set[str]:
    return {name for migration in GIT_MIGRATIONS for name in re.findall(
        r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", (ROOT / "migrations" / migration).read_text())}


def strings(path: Path) -> list[str]:
    """Every string literal of a module, f-strings' literal parts included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_git_tables_are_queried_only_inside_the_git_package() -> None:
    """Others ask ``git/history_store.py`` (and the git package's modules): one place knows
    the schema of the history, so it can change without hunting SQL across the package.
    Whole-database sweeps that name no table (``secrets_purge`` over ``sqlite_master``) are
    not queries on git's tables."""
    tables = git_tables()
    assert {"commits", "file_changes", "paths", "authors", "repositories"} <= tables
    query = re.compile(rf"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?:{'|'.join(sorted(tables))})\b",
                       re.I)
    found = {str(path.relative_to(PACKAGE)): sorted({m.group(0) for s in strings(path)
                                                     for m in query.finditer(s)})
             for path in PACKAGE.rglob("*.py")}
    outside = {k: v for k, v in found.items() if v and not k.startswith("core/git/")}
    assert outside == {}
    assert found["core/git/history_store.py"]  # the scan really sees the queries it guards
