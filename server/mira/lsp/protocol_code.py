"""``mira/impact``, ``mira/concepts`` and ``mira/patterns`` message types."""

from __future__ import annotations

import attrs
from lsprotocol import types

from mira.lsp.protocol import register

IMPACT = "mira/impact"
CONCEPTS = "mira/concepts"
PATTERNS = "mira/patterns"


@attrs.define
class SymbolItem:
    name: str
    qualified_name: str
    kind: str  # module | class | function | method | interface | struct | enum | trait
    path: str  # workspace-relative
    uri: str
    range: types.Range
    selection_range: types.Range
    signature: str | None = None
    container: str | None = None  # qualified name of the enclosing symbol


@attrs.define
class ImpactParams:
    text_document: types.TextDocumentIdentifier
    position: types.Position
    depth: int | None = None  # default 3, at most 10


@attrs.define
class ImpactCaller:
    symbol: SymbolItem
    depth: int  # 1 = calls the symbol directly
    call_site: types.Location  # where it calls the next symbol on the path
    confidence: str  # resolved | name


@attrs.define
class CochangedFile:
    path: str  # repository-relative
    uri: str
    confidence: float


@attrs.define
class ImpactResult:
    symbol: SymbolItem | None
    callers: list[ImpactCaller]
    cochanged: list[CochangedFile]
    note: str | None = None


@attrs.define
class ConceptsParams:
    query: str
    limit: int | None = None


@attrs.define
class ConceptsResult:
    items: list[SymbolItem]


@attrs.define
class PatternsParams:
    text_document: types.TextDocumentIdentifier | None = None


@attrs.define
class PatternItem:
    pattern: str
    confidence: float
    evidence: list[str]
    symbol: SymbolItem


@attrs.define
class PatternsResult:
    items: list[PatternItem]


register(IMPACT, ImpactParams, ImpactResult)
register(CONCEPTS, ConceptsParams, ConceptsResult)
register(PATTERNS, PatternsParams, PatternsResult)
