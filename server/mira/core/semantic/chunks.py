"""Turning workspace files and commits into chunks for search."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

MAX_CHUNK_CHARS = 2000
MAX_FILE_BYTES = 1_000_000
SECRET_GLOBS = (".env", ".env.*", "*.pem", "*.key", "id_*", "*.p12", "*.pfx", "*secret*")
SKIP_DIRS = {".git", ".mira", "node_modules", ".venv", "venv", "__pycache__", "dist", "build",
             "target", ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
LANGUAGES = {".py": "python", ".ts": "typescript", ".tsx": "typescript", ".js": "javascript",
             ".jsx": "javascript", ".rs": "rust", ".go": "go", ".java": "java", ".c": "c",
             ".h": "c", ".cpp": "cpp", ".cc": "cpp", ".hpp": "cpp", ".md": "markdown",
             ".rst": "text", ".txt": "text", ".toml": "toml", ".json": "json", ".sql": "sql",
             ".sh": "shell", ".lua": "lua", ".yml": "yaml", ".yaml": "yaml"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")


@dataclass(frozen=True)
class Chunk:
    key: str
    path: str | None
    symbol: str | None
    kind: str
    language: str | None
    start_line: int
    end_line: int
    text: str
    head: str = ""  # signature and docstring (first window of a symbol) or a doc heading

    @property
    def content_hash(self) -> str:
        return hashlib.sha1((self.text + "\0" + self.head).encode("utf-8", "replace")
                            ).hexdigest()


def is_secret(path: str, extra_globs: tuple[str, ...] = ()) -> bool:
    name = path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(path, g)
               for g in SECRET_GLOBS + extra_globs)


def search_text(text: str) -> str:
    """The text plus its identifiers split (``parseConfig`` -> ``parse config``)."""
    words: dict[str, None] = {}
    for ident in _IDENT.findall(text):
        parts = [p for p in _CAMEL.sub("_", ident).split("_") if p]
        if len(parts) > 1:
            words.update(dict.fromkeys(p.lower() for p in parts))
    return text + ("\n" + " ".join(words) if words else "")


def list_files(root: Path) -> list[str]:
    """Workspace-relative files: tracked + untracked-not-ignored in git, else a walk."""
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], capture_output=True, check=True,
                             timeout=60).stdout
        files = [os.fsdecode(p) for p in out.split(b"\0") if p]
        if files:
            return sorted(set(files))
    except (subprocess.SubprocessError, OSError):
        pass
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            found.append((Path(dirpath) / name).relative_to(root).as_posix())
    return sorted(found)


def read_text(path: Path) -> str | None:
    """Text of a file worth indexing, or None (missing, huge, binary)."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")
