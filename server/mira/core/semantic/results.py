"""What search returns and what an index run reports (plain data, shared by the search
service, the LSP layer, the CLI and the context sources)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SearchHit:
    path: str | None
    start_line: int
    end_line: int
    symbol: str | None
    score: float
    snippet: str
    source: str  # code | git | conversation
    commit: str | None
    message_id: str | None = None  # conversation hits: the memory entry id


@dataclass
class IndexReport:
    files: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    commits_added: int = 0
    embedded: int = 0
    seconds: float = 0.0
