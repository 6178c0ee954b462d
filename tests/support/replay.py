"""Replayed real histories (the shared folder beside the project) as test repositories."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def shared_dir() -> Path:
    """``../shared`` from the project root (also from a git worktree nested deeper)."""
    for parent in Path(__file__).resolve().parents[2:]:
        if (parent / "shared" / "tools" / "replay_history.py").exists():
            return parent / "shared"
    return Path(__file__).resolve().parents[3] / "shared"


def replay(name: str, dest: Path) -> Path:
    """Build the replayed repository of history ``name`` (e.g. "flask") at ``dest``."""
    shared = shared_dir()
    history = shared / "data" / "histories" / f"{name}.tsv.gz"
    if not history.exists():
        pytest.skip("shared histories are not available")
    subprocess.run([sys.executable, str(shared / "tools" / "replay_history.py"), str(history),
                    str(dest)], check=True, capture_output=True)
    return dest
