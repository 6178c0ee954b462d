"""What context gatherers may read: files inside the workspace that are not secrets.

Why a single gate: guidelines, the repository tree, the current file and any
snippet another service returns end up in a prompt sent to a model. A secret
(``.env``, keys, certificates, configured globs) must never get there, and a
path that resolves outside the workspace (``..``, symlinks) must never be read.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

SECRET_GLOBS = (
    ".env", ".env.*", "*.env", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore",
    "*.crt", "*.der", "id_*", "*.gpg", "*.asc", ".netrc", ".pypirc", ".npmrc", ".htpasswd",
    "credentials", "credentials.*", "*secret*", "*secrets*", "*.kdbx", "*.tfstate",
    "*.tfvars", ".git-credentials",
)
SECRET_DIRS = (".ssh", ".gnupg", ".aws", ".git")
MAX_FILE_BYTES = 256 * 1024


def parse_globs(raw: str | None) -> tuple[str, ...]:
    """Extra secret globs from the configuration (comma or newline separated)."""
    if not raw:
        return ()
    return tuple(g.strip() for g in raw.replace("\n", ",").split(",") if g.strip())


def is_secret(rel_path: str, extra_globs: Iterable[str] = ()) -> bool:
    """True when a (workspace-relative, ``/``-separated) path names a secret."""
    parts = PurePosixPath(rel_path.replace("\\", "/")).parts
    if not parts:
        return False
    name = parts[-1].lower()
    if any(p.lower() in SECRET_DIRS for p in parts[:-1]):
        return True
    globs = (*SECRET_GLOBS, *extra_globs)
    rel_lower = "/".join(parts).lower()
    return any(fnmatch.fnmatchcase(name, g.lower()) or fnmatch.fnmatchcase(rel_lower, g.lower())
               for g in globs)


def inside(root: Path, path: Path) -> Path | None:
    """``path`` resolved (symlinks followed) when it lies inside ``root``, else None."""
    try:
        resolved = (root / path).resolve() if not path.is_absolute() else path.resolve()
    except (OSError, RuntimeError):
        return None
    root = root.resolve()
    if resolved != root and root not in resolved.parents:
        return None
    return resolved


def relative(root: Path, path: Path) -> str | None:
    """``path`` relative to ``root`` (``/``-separated) when it lies inside, else None."""
    resolved = inside(root, path)
    return resolved.relative_to(root.resolve()).as_posix() if resolved is not None else None


def read_text(root: Path, path: Path, extra_globs: Iterable[str] = (),
              max_bytes: int = MAX_FILE_BYTES) -> str | None:
    """The text of a safe file (inside ``root``, not a secret, not binary), else None."""
    resolved = inside(root, path)
    if resolved is None or not resolved.is_file():
        return None
    rel = resolved.relative_to(root.resolve()).as_posix()
    if is_secret(rel, extra_globs):
        return None
    try:
        with resolved.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    text = data[:max_bytes].decode("utf-8", errors="replace")
    return text + ("\n… (file truncated)" if len(data) > max_bytes else "")
