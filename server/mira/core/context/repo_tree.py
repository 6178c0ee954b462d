"""A depth-limited, sorted tree of the workspace for the prompt (names only, no contents)."""

from __future__ import annotations

import os
from pathlib import Path

from mira.core.files import SKIP_DIRS, Gate


def repo_tree(gate: Gate, depth: int = 2, max_entries: int = 80) -> str:
    """The workspace's files and folders to ``depth`` levels, folders first, secrets (the
    gate's names) and dependency/cache folders left out."""
    root = gate.root
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
                    not is_dir and gate.is_secret(path)) or name.endswith(".egg-info"):
                continue
            lines.append("  " * level + name + ("/" if is_dir else ""))
            if is_dir and level + 1 < depth:
                walk(Path(entry.path), path + "/", level + 1)
        return

    walk(root, "", 0)
    if len(lines) >= max_entries:
        lines.append("…")
    return "\n".join(lines)
