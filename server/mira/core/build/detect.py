"""Which build/test commands a workspace most likely uses, from its project files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def detect_commands(root: Path) -> list[str]:
    """Commands in the order a developer would run them; empty when nothing is recognised."""
    commands: list[str] = []
    if (root / "pyproject.toml").exists() or (root / "setup.py").exists() or any(
            root.glob("test*/**/test_*.py")) or any(root.glob("test_*.py")):
        commands.append("python -m pytest -q -p no:cacheprovider")
    package = root / "package.json"
    if package.exists():
        try:
            scripts = json.loads(package.read_text(encoding="utf-8")).get("scripts") or {}
        except (ValueError, OSError, AttributeError):
            scripts = {}
        if "build" in scripts:
            commands.append("npm run --silent build")
        elif (root / "tsconfig.json").exists():
            commands.append("npx --no-install tsc --noEmit -p .")
        if "lint" in scripts:
            commands.append("npm run --silent lint")
        if "test" in scripts:
            commands.append("npm test --silent")
    if (root / "Cargo.toml").exists():
        commands.append("cargo build --message-format=short --color=never")
    if (root / "go.mod").exists():
        commands.append("go build ./... && go vet ./... && go test ./...")
    if (root / "Makefile").exists() and shutil.which("make"):
        commands.append("make")
    return commands
