"""Turning workspace files and commits into chunks for search (which files, and what of
them may be kept, is the gate's decision: ``mira.core.files``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from mira.core.files import language_for

WINDOW_LINES = 40
WINDOW_STEP = 30
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

    @property
    def content_hash(self) -> str:
        return hashlib.sha1(self.text.encode("utf-8", "replace")).hexdigest()


def search_text(text: str) -> str:
    """The text plus its identifiers split (``parseConfig`` -> ``parse config``)."""
    words: dict[str, None] = {}
    for ident in _IDENT.findall(text):
        parts = [p for p in _CAMEL.sub("_", ident).split("_") if p]
        if len(parts) > 1:
            words.update(dict.fromkeys(p.lower() for p in parts))
    return text + ("\n" + " ".join(words) if words else "")


def window_chunks(rel: str, text: str) -> Iterator[Chunk]:
    """Overlapping windows of ``WINDOW_LINES`` lines, every ``WINDOW_STEP`` lines."""
    lines = text.splitlines()
    language = language_for(rel)
    start = 0
    while start < len(lines):
        end = min(start + WINDOW_LINES, len(lines)) - 1
        body = "\n".join(lines[start:end + 1])
        if body.strip():
            yield Chunk(f"code:{rel}#{start}", rel, None, "file", language, start, end,
                        f"{rel}\n{body}"[:MAX_CHUNK_CHARS])
        if end >= len(lines) - 1:
            break
        start += WINDOW_STEP


def symbol_chunks(rel: str, text: str, symbols: list[object]) -> Iterator[Chunk]:
    """One chunk per symbol (signature + docstring + body, capped)."""
    lines = text.splitlines()
    language = language_for(rel)
    for symbol in symbols:
        start = int(getattr(symbol, "start_line", 0))
        end = int(getattr(symbol, "end_line", start))
        name = str(getattr(symbol, "qualified_name", "") or getattr(symbol, "name", ""))
        body = "\n".join(lines[start:end + 1])
        yield Chunk(f"code:{rel}#{start}:{name}", rel, name, str(getattr(symbol, "kind", "")),
                    language, start, end, f"{rel} {name}\n{body}"[:MAX_CHUNK_CHARS])
