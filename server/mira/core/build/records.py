"""Plain results of the build-errors feature (the BuildService contract).

Paths are repository-relative with ``/`` (workspace-relative outside git, or the
tool's own spelling when the file is outside the workspace); lines are 0-based.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ParsedError:
    """One error as a parser sees it, before it is stored (lines 0-based)."""

    tool: str
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    severity: str = "error"  # error | warning | info
    code: str | None = None
    detail: str = ""  # extra lines (assertion/exception line, notes) kept for matching
    symbol: str | None = None  # e.g. the failing test function


@dataclass
class BuildError:
    tool: str
    code: str | None
    message: str
    path: str | None
    line: int | None
    column: int | None
    severity: str
    run_id: int
    fingerprint: str


@dataclass
class BuildRun:
    id: int
    command: str
    exit_code: int | None
    duration_s: float
    head: str | None
    dirty: bool
    status: str  # passed | failed | timeout | cancelled | error
    message: str | None
    started_at: float
    errors: list[BuildError] = field(default_factory=list)
    truncated: bool = False
    resolved: list[str] = field(default_factory=list)  # fingerprints resolved by this run


@dataclass
class PastFix:
    commit: str
    summary: str
    similarity: float
    files: list[str]
    hunk: str
    author: str
    time: int


@dataclass
class Resolution:
    fingerprint: str
    message: str
    resolved_by_commit: str | None
    files: list[str]
    resolved_at: float
