"""Plain results of code intelligence (no LSP types here)."""

from __future__ import annotations

from dataclasses import dataclass, field

CONTAINER_KINDS = frozenset({"class", "struct", "interface", "trait", "enum", "impl", "type"})
CALLABLE_KINDS = frozenset({"function", "method", "class", "struct"})


@dataclass(frozen=True, slots=True)
class Symbol:
    qualified_name: str
    name: str
    kind: str  # module | class | function | method | interface | struct | enum | trait | type
    path: str  # workspace-relative, posix
    start_line: int  # 0-based
    start_col: int
    end_line: int
    end_col: int
    selection_start_line: int
    selection_start_col: int
    selection_end_line: int
    selection_end_col: int
    signature: str = ""
    docstring: str | None = None
    parent: str | None = None  # qualified name of the enclosing symbol (None: top level)
    language: str = ""
    bases: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    # what resolution needs of its types: ``attr:Type`` (a class's attributes, from
    # annotations and assignments; ``Type()`` when assigned a call's result) and
    # ``->Type`` (a function's declared return type)
    types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Import:
    local: str | None  # the name bound in the importing file
    module: str  # as written (".models", "./auth", "std::io")
    # the imported member, None for a whole module, "*" for all of it; ES `export default X`
    # is Import("default", "", "X")
    name: str | None
    line: int


@dataclass(frozen=True, slots=True)
class CallSite:
    caller: str  # qualified name of the enclosing symbol (the module at top level)
    name: str
    receiver: str | None
    line: int
    col: int
    # the receiver's type where the scope says: an annotation (``Type``), or the call it was
    # assigned from (``Type()``, ``make()``: a class, or a function's return type)
    receiver_type: str | None = None


@dataclass
class FileIndex:
    path: str
    language: str
    module: str
    symbols: list[Symbol] = field(default_factory=list)  # [0] is the module
    imports: list[Import] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    errors: int = 0  # syntax error nodes (what parses is still indexed)
    # per symbol: (name terms, path terms, docstring terms), filled where parsing runs
    concepts: list[tuple[str, str, str]] | None = None


@dataclass(frozen=True, slots=True)
class CallEdge:
    caller: Symbol
    callee: Symbol
    line: int  # 0-based line of the call site (in the caller's file)
    col: int
    confidence: str  # "resolved" | "name" (a guess by name, shown only when asked for)
    depth: int = 1


@dataclass(frozen=True, slots=True)
class PatternMatch:
    pattern: str
    symbol: Symbol
    confidence: float
    evidence: list[str]
