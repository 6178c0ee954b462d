"""A depth-limited, sorted tree of the workspace for the prompt (names only, no contents)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from mira.core.context.safety import is_secret

SKIP_DIRS = frozenset({".git", ".mira", "node_modules", "__pycache__", ".venv", "venv",
                       ".mypy_cache", ".ruff_cache", ".pytest_cache", "dist", "build",
                       "target", ".tox", ".idea", ".vscode", "site-packages"})


def repo_tree(root: Path, depth: int = 2, max_entries: int = 80,
              secret_globs: Iterable[str] = ()) -> str:
    """``root``'s files and folders to ``depth`` levels, folders first, secrets left out."""
    globs = tuple(secret_globs)
    lines: list[str] = []

    def walk(folder: Path, rel: str, level: int) -> None:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: (not e.is_dir(follow_symlinks=False),
                                                    e.name.lower(), e.name))
        except OSError:
            return
        for entry in entries:
            if len(lines) >= max_entries:
                return
            name = entry.name
            path = f"{rel}{name}"
            is_dir = entry.is_dir(follow_symlinks=False)
            if (is_dir and (name in SKIP_DIRS or name.startswith("."))) or (
                    not is_dir and is_secret(path, globs)) or name.endswith(".egg-info"):
                continue
            lines.append("  " * level + name + ("/" if is_dir else ""))
            if is_dir and level + 1 < depth:
                walk(Path(entry.path), path + "/", level + 1)
        return

    walk(root, "", 0)
    if len(lines) >= max_entries:
        lines.append("…")
    return "\n".join(lines)
