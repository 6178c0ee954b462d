"""Where a workspace's data lives: ``.mira/`` in the workspace, else a per-user cache.

Why a fallback: a read-only checkout (a mounted volume, another user's tree, a package
directory) used to drop the whole workspace, code features included, because the
database could not be created. Everything Mira stores is derived data, so it can live
elsewhere: ``$XDG_CACHE_HOME/mira/<hash of the workspace path>`` (``~/.cache`` when the
variable is unset). The caller tells the user once (``DataDir.fallback_reason``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mira.core.stores.database import DB_FILE


@dataclass(frozen=True)
class DataDir:
    path: Path
    preferred: Path  # what the settings asked for (``.mira/`` or ``dataDir``)
    fallback_reason: str | None = None  # why ``path`` is not ``preferred``

    @property
    def is_fallback(self) -> bool:
        return self.fallback_reason is not None


def user_cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "mira"


def fallback_dir(workspace_root: Path) -> Path:
    digest = hashlib.sha256(str(workspace_root).encode("utf-8", "surrogateescape")).hexdigest()
    return user_cache_root() / f"{workspace_root.name or 'root'}-{digest[:16]}"


def prepare(directory: Path) -> None:
    """Create ``directory`` (hidden from git) and prove it and its database are writable.

    Raises OSError with the reason otherwise.
    """
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    # os.access is not enough (read-only mounts, ACLs): write and remove a file
    fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=directory)
    os.close(fd)
    os.unlink(probe)
    for name in (DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm"):
        existing = directory / name
        if existing.exists() and not os.access(existing, os.W_OK):
            raise PermissionError(f"{existing} is not writable")


def choose_data_dir(workspace_root: Path, override: str | None = None) -> DataDir:
    """The configured data directory if it is usable, else the per-user fallback."""
    preferred = Path(override).expanduser() if override else workspace_root / ".mira"
    try:
        prepare(preferred)
        return DataDir(preferred, preferred)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        fallback = fallback_dir(workspace_root)
        prepare(fallback)  # if this fails too, the caller reports both
        return DataDir(fallback, preferred, f"{preferred} is not writable ({reason})")
