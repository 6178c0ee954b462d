"""Deprecated: a thin façade over the gate (``mira.core.files`` and ``mira.core.secrets``),
kept so code written against it keeps working. New code uses ``files.Gate`` directly;
nothing here decides anything on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from mira.core import files, secrets

parse_globs = secrets.parse_globs
MAX_FILE_BYTES = 256 * 1024


def is_secret(rel_path: str, extra_globs: Iterable[str] = ()) -> bool:
    return secrets.secret_name(rel_path, tuple(extra_globs)) is not None


def inside(root: Path, path: Path) -> Path | None:
    return files.Gate(root).inside(path)


def relative(root: Path, path: Path) -> str | None:
    return files.Gate(root).relative(path)


def read_text(root: Path, path: Path, extra_globs: Iterable[str] = (),
              max_bytes: int = MAX_FILE_BYTES) -> str | None:
    read = files.Gate(root, tuple(extra_globs)).read(path, max_bytes, truncate=True)
    if read.text is None:
        return None
    return read.text + ("\n… (file truncated)" if read.truncated else "")
