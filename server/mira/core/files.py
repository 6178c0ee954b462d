"""The gate: which files of a workspace Mira may read, and what it may keep of them.

Every path into Mira goes through here — the code index, search chunks, build-history
mining, the context oracle, chat tools, memory. No other module lists files or decides
secrecy on its own (ARCHITECTURE.md names this an invariant), so one rule change
protects every entry point at once.

The rules:
- *Listing*: git's view (tracked plus untracked-not-ignored, so ``.gitignore`` is
  respected), else a walk that prunes ``SKIP_DIRS`` and the root ``.gitignore``'s simple
  patterns; ``.mira/`` and directories in ``SKIP_DIRS`` never appear.
- *Boundary*: a path is resolved (symlinks followed) and must stay inside the workspace
  root; a symlink to a file inside is read as its target and classified by both names;
  directory symlinks are never walked (no loops).
- *Secrets*: names, paths and the user's ``contextSecretGlobs`` (``secrets.secret_name``)
  hide a file from the listing; content (``secrets.secret_content``: key files,
  service-account JSON, ...) hides it when read; secret tokens in what is read are
  redacted (``secrets.redact``).
- *Size and type*: files over ``max_bytes`` and binary files are not read.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from mira.core import secrets

if TYPE_CHECKING:
    from mira.core.config import MiraConfig


class Rooted(Protocol):
    """What the gate needs of a workspace (the gate sits below ``Workspace``)."""

    @property
    def root(self) -> Path: ...

    @property
    def config(self) -> MiraConfig: ...

# Directories that hold dependencies, caches and build output, never the project's own code.
SKIP_DIRS = frozenset({
    ".git", ".mira", ".hg", ".svn", "node_modules", "bower_components", ".venv", "venv",
    "__pycache__", ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".cache",
    "dist", "build", "target", "site-packages", ".eggs", ".gradle", ".idea", ".next",
    ".terraform",
})
MAX_FILE_BYTES = 1_000_000
BINARY_SNIFF_BYTES = 8192

# The one extension -> language map (names used in chunks, prompts and code fences).
LANGUAGES = {
    ".py": "python", ".pyi": "python", ".ts": "typescript", ".mts": "typescript",
    ".cts": "typescript", ".tsx": "typescript", ".js": "javascript", ".jsx": "javascript",
    ".mjs": "javascript", ".cjs": "javascript", ".rs": "rust", ".go": "go", ".java": "java",
    ".kt": "kotlin", ".c": "c", ".h": "c", ".cpp": "cpp", ".cc": "cpp", ".cxx": "cpp",
    ".hpp": "cpp", ".hh": "cpp", ".cs": "csharp", ".rb": "ruby", ".php": "php",
    ".swift": "swift", ".md": "markdown", ".rst": "text", ".txt": "text", ".toml": "toml",
    ".json": "json", ".sql": "sql", ".sh": "shell", ".bash": "shell", ".lua": "lua",
    ".yml": "yaml", ".yaml": "yaml", ".html": "html", ".css": "css",
}
# Editors name a few languages differently (VS Code language identifiers).
_EDITOR_IDS = {".tsx": "typescriptreact", ".jsx": "javascriptreact", "shell": "shellscript"}


def language_for(path: str | Path) -> str | None:
    return LANGUAGES.get(PurePosixPath(str(path)).suffix.lower())


def editor_language(path: str | Path) -> str:
    """The editor's language identifier for a file (``plaintext`` when unknown)."""
    suffix = PurePosixPath(str(path)).suffix.lower()
    language = LANGUAGES.get(suffix)
    return _EDITOR_IDS.get(suffix) or _EDITOR_IDS.get(language or "") or language or "plaintext"


def skipped(rel: str) -> bool:
    """True when a workspace-relative path lies in a directory Mira never indexes."""
    return any(part in SKIP_DIRS for part in rel.split("/")[:-1])


@dataclass(frozen=True)
class Read:
    """What reading a file gave: ``text`` (tokens redacted) or why there is none."""
    text: str | None
    status: str  # ok | secret | outside | missing | directory | too_large | binary | unreadable
    reason: str = ""
    truncated: bool = False


class Gate:
    """One workspace's gate (root + the user's secret globs)."""

    def __init__(self, root: Path, secret_globs: Iterable[str] = (),
                 max_bytes: int = MAX_FILE_BYTES) -> None:
        self.root = Path(root).resolve()
        self._root_str = str(self.root)
        self.secret_globs = tuple(secret_globs)
        self.max_bytes = max_bytes

    # -- boundary ------------------------------------------------------------------------
    def inside(self, path: Path | str) -> Path | None:
        """``path`` (relative to the root, or absolute) resolved, when it stays inside."""
        path = Path(path)
        try:
            resolved = (path if path.is_absolute() else self.root / path).resolve()
        except (OSError, RuntimeError):  # a symlink loop
            return None
        if resolved != self.root and self.root not in resolved.parents:
            return None
        return resolved

    def relative(self, path: Path | str) -> str | None:
        """The resolved path relative to the root (``/``-separated), when inside."""
        resolved = self.inside(path)
        return resolved.relative_to(self.root).as_posix() if resolved is not None else None

    # -- secrecy -------------------------------------------------------------------------
    def secret_reason(self, rel: str | None) -> str | None:
        """Why a workspace-relative path names a secret (names, paths, the user's globs)."""
        if not rel:
            return None
        return secrets.secret_name(rel, self.secret_globs)

    def is_secret(self, rel: str | None) -> bool:
        return self.secret_reason(rel) is not None

    def path_secret(self, path: Path | str) -> str | None:
        """Why a path is secret by name, through its link name *and* its resolved target."""
        path = Path(path)
        if path.is_absolute():
            given = path.relative_to(self.root).as_posix() if _under(path, self.root) else None
        else:
            given = path.as_posix()
        reason = self.secret_reason(given)
        if reason is not None:
            return reason
        target = self.relative(path)
        return self.secret_reason(target) if target not in (None, ".") else None

    # -- listing -------------------------------------------------------------------------
    def list_files(self) -> list[str]:
        """Files Mira may read: inside, not skipped, not secret by name; sorted."""
        found = []
        for rel in candidates(self.root):
            if rel.startswith(".mira/") or skipped(rel) or self.is_secret(rel):
                continue
            if not self._regular_inside(rel):
                continue
            found.append(rel)
        return found

    def _regular_inside(self, rel: str) -> bool:
        try:
            info = os.lstat(os.path.join(self._root_str, rel))  # str paths: a hot loop
        except OSError:
            return False
        if stat.S_ISREG(info.st_mode):
            return True
        if not stat.S_ISLNK(info.st_mode):
            return False
        target = self.relative(self.root / rel)  # a link: only to a regular, non-secret file inside
        return target is not None and target != "." and (self.root / target).is_file() \
            and not self.is_secret(target)

    # -- reading -------------------------------------------------------------------------
    def read(self, path: Path | str, max_bytes: int | None = None,
             truncate: bool = False) -> Read:
        """A file's text, tokens redacted — or why it may not be read.

        With ``truncate`` a file over ``max_bytes`` gives its first ``max_bytes`` bytes
        (``truncated``); otherwise it is not read (``too_large``).
        """
        limit = self.max_bytes if max_bytes is None else max_bytes
        resolved = self.inside(path)
        if resolved is None:
            return Read(None, "outside", "outside the workspace")
        rel = resolved.relative_to(self.root).as_posix()
        reason = self.path_secret(path)
        if reason is not None:
            return Read(None, "secret", reason)
        if resolved.is_dir():
            return Read(None, "directory")
        try:
            with resolved.open("rb") as handle:
                data = handle.read(limit + 1)
        except FileNotFoundError:
            return Read(None, "missing")
        except OSError as exc:
            return Read(None, "unreadable", str(exc))
        truncated = len(data) > limit
        if truncated and not truncate:
            return Read(None, "too_large", f"over {limit} bytes")
        if b"\0" in data[:BINARY_SNIFF_BYTES]:
            return Read(None, "binary")
        text = data[:limit].decode("utf-8", errors="replace")
        reason = secrets.secret_content(rel, text)
        if reason is not None:
            return Read(None, "secret", reason)
        return Read(secrets.redact(text), "ok", truncated=truncated)

    def read_text(self, path: Path | str, max_bytes: int | None = None) -> str | None:
        """The redacted text of a readable file, else None."""
        return self.read(path, max_bytes).text

    # -- text that is not a file -----------------------------------------------------------
    @staticmethod
    def redact(text: str) -> str:
        return secrets.redact(text)


def for_workspace(ws: Rooted) -> Gate:
    """The gate of a workspace: its root and the user's ``contextSecretGlobs``."""
    globs = secrets.parse_globs(ws.config.context_secret_globs)
    return Gate(ws.root, globs)


def source_bytes(rel: str, data: bytes) -> tuple[bytes, str | None]:
    """For readers that parse bytes themselves (the code index, listed by the gate):
    (``data`` with secret tokens masked, length kept so offsets hold, None), or
    (``b""``, why the content makes the file a secret)."""
    reason = secrets.secret_content(rel, data[:65536].decode("utf-8", errors="replace"))
    if reason is not None:
        return b"", reason
    return secrets.mask_bytes(data), None


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def candidates(root: Path) -> list[str]:
    """Workspace-relative files: git's tracked + untracked-not-ignored, else a walk."""
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], capture_output=True, check=True,
                             timeout=120).stdout
        files = [os.fsdecode(p) for p in out.split(b"\0") if p]
        if files:
            return sorted(set(files))
    except (subprocess.SubprocessError, OSError):
        pass
    return _walk(root)


def _walk(root: Path) -> list[str]:
    """Files under ``root`` without git: ``SKIP_DIRS`` pruned, directory symlinks not
    followed, the root ``.gitignore``'s plain name and ``*`` patterns honoured."""
    ignored = _gitignore_patterns(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if base == "." else base + "/"
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS
                       and not _ignored(prefix + d, d, ignored, True)]
        for name in filenames:
            if not _ignored(prefix + name, name, ignored, False):
                found.append(prefix + name)
    return sorted(found)


def _gitignore_patterns(root: Path) -> list[str]:
    try:
        lines = (root / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    return [line.strip() for line in lines
            if line.strip() and not line.startswith(("#", "!"))]


def _ignored(rel: str, name: str, patterns: list[str], is_dir: bool) -> bool:
    for pattern in patterns:
        dir_only = pattern.endswith("/")
        p = pattern.rstrip("/")
        if dir_only and not is_dir:
            continue
        if p.startswith("/") or "/" in p:
            if fnmatch.fnmatchcase(rel, p.lstrip("/")):
                return True
        elif fnmatch.fnmatchcase(name, p):
            return True
    return False
