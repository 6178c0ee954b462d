"""``mira/experts`` and ``mira/blame`` message types."""

from __future__ import annotations

import attrs
from lsprotocol import types

from mira.lsp.protocol import register

EXPERTS = "mira/experts"
BLAME = "mira/blame"


@attrs.define
class ExpertsParams:
    text_document: types.TextDocumentIdentifier
    position: types.Position | None = None
    limit: int | None = None


@attrs.define
class ExpertItem:
    name: str
    email: str
    score: float
    commits: int
    lines: int
    last_commit: str | None  # ISO 8601
    emails: list[str] = attrs.field(factory=list)  # all of the person's emails


@attrs.define
class ExpertsResult:
    experts: list[ExpertItem]


@attrs.define
class BlameParams:
    text_document: types.TextDocumentIdentifier
    line: int


@attrs.define
class BlameResult:
    commit: str
    short: str
    author: str
    email: str
    time: str  # ISO 8601
    subject: str
    uncommitted: bool


register(EXPERTS, ExpertsParams, ExpertsResult)
register(BLAME, BlameParams, BlameResult)
