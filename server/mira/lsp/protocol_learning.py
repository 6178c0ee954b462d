"""``mira/reasoning``, ``mira/feedback`` and ``mira/profile`` message types."""

from __future__ import annotations

import attrs
from lsprotocol import types

from mira.lsp.protocol import register

REASONING = "mira/reasoning"
FEEDBACK = "mira/feedback"
PROFILE = "mira/profile"
MEMORY_RELATIONS = "mira/memoryRelations"


@attrs.define
class ReasoningParams:
    action: str = "list"  # list | show | forget
    id: int | None = None


@attrs.define
class ReasoningPatternStep:
    tool: str | None = None
    args: str | None = None
    text: str | None = None


@attrs.define
class ReasoningPatternItem:
    id: int
    title: str
    source: str  # chat | recipe
    keywords: list[str]
    file_kinds: list[str]
    steps: list[ReasoningPatternStep]
    plan: list[str]
    uses: int
    successes: int
    failures: int
    success_rate: float | None = None
    markdown: str | None = None  # show: the "## Suggested Approach" it injects


@attrs.define
class ReasoningResult:
    patterns: list[ReasoningPatternItem]
    removed: bool | None = None


@attrs.define
class FeedbackParams:
    operation_id: str
    rating: str  # up | down


@attrs.define
class FeedbackResult:
    recorded: bool
    pattern_id: int | None = None  # the pattern a thumbs-up stored (or found)


@attrs.define
class ProfileParams:
    action: str = "list"  # list | set | forget
    key: str | None = None  # forget: the fact (or "all"); set: the fact corrected
    category: str | None = None  # set: preference | stack | style
    value: str | None = None


@attrs.define
class ProfileFact:
    key: str
    category: str
    value: str
    confidence: float
    evidence: int
    source: str  # learned | user


@attrs.define
class ProfileResult:
    facts: list[ProfileFact]
    removed: bool | None = None


@attrs.define
class MemoryRelationsParams:
    text_document: types.TextDocumentIdentifier | None = None  # the file's conversations
    kind: str | None = None  # or: file | fact | profile | pattern, with target
    target: str | None = None  # path, fact key, profile key, pattern id
    message_id: int | None = None  # or: everything one message relates to
    limit: int | None = None  # messages (default 20, at most 200)


@attrs.define
class MemoryLink:
    kind: str
    target: str
    relation: str  # about | mentioned | read | proposed | applied | taught | suggested


@attrs.define
class RelatedMessage:
    id: int
    session_id: str
    role: str  # user | assistant
    excerpt: str
    ts: str  # ISO 8601
    links: list[MemoryLink]
    operation_id: str | None = None


@attrs.define
class MemoryRelationsResult:
    messages: list[RelatedMessage]  # newest first


register(REASONING, ReasoningParams, ReasoningResult)
register(FEEDBACK, FeedbackParams, FeedbackResult)
register(PROFILE, ProfileParams, ProfileResult)
register(MEMORY_RELATIONS, MemoryRelationsParams, MemoryRelationsResult)
