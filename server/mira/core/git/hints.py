"""Live hints: a file is being changed but the files it usually changes with are not."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mira.core.git.cochange import Suggestion


@dataclass(frozen=True)
class CochangeHint:
    path: str  # the modified file
    partner: str  # its unmodified partner
    confidence: float
    shared_commits: int
    reason: str = ""  # which evidence applied: "its test; changed together 23 times, ..."

    @property
    def message(self) -> str:
        why = self.reason or f"{self.shared_commits} shared commits"
        return (f"usually changed together with `{self.partner}` ({why}); not modified yet")


def hints_for(path: str, suggestions: Iterable[Suggestion], modified: set[str], *,
              threshold: float, min_shared: int) -> list[CochangeHint]:
    return [
        CochangeHint(path, s.path, s.confidence, s.shared_commits, s.reason)
        for s in suggestions
        if s.confidence >= threshold and s.shared_commits >= min_shared
        and s.path not in modified
    ]
