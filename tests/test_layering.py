"""mira.core must stay IDE-agnostic: no pygls / lsprotocol anywhere under it."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "server" / "mira" / "core"
FORBIDDEN = ("pygls", "lsprotocol", "mira.lsp")


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
