"""Turning workspace files and commits into chunks for search (which files, and what of
them may be kept, is the gate's decision: ``mira.core.files``)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MAX_CHUNK_CHARS = 2000
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


def search_text(text: str) -> str:
    """The text plus its identifiers split (``parseConfig`` -> ``parse config``)."""
    words: dict[str, None] = {}
    for ident in _IDENT.findall(text):
        parts = [p for p in _CAMEL.sub("_", ident).split("_") if p]
        if len(parts) > 1:
            words.update(dict.fromkeys(p.lower() for p in parts))
    return text + ("\n" + " ".join(words) if words else "")
