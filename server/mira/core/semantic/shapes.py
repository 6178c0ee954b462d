"""Chunk shapes: what a search hit can be, sized for the embedding model.

Why windows: the offline model reads 128 tokens and silently drops the rest; a whole
function chunk left most bodies out of the vectors (45-62 % of chunks were cut off on
real repositories). A symbol is cut into windows that fit (``WINDOW_TOKENS``, estimated),
every window starts with ``path qualified.name`` and the first always holds the signature
and docstring; search takes a symbol's best window (max-similarity) and returns the
symbol once.

Why no nesting: a class chunk holds its header, docstring, class-level lines and its
members' *signatures*; a function holds its own lines and its nested functions'
signatures. Each line of a file is in exactly one symbol's body, so no content is indexed
twice (class chunks used to repeat every method and outrank them). Lines outside every
symbol (module constants, ``if __name__`` blocks) form module windows; import lines are
left out of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from mira.core.files import language_for
from mira.core.semantic.chunks import Chunk

WINDOW_TOKENS = 100  # estimated; about 115 model tokens, within MiniLM's 128 with [CLS]/[SEP]
MAX_WINDOWS = 12  # per symbol; the rest of a huge body goes into the last window's text
MAX_LINE_CHARS = 400
_PIECE = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")
_CAMEL_SPLIT = re.compile(r"(?<=[a-z])(?=[A-Z])")
_IMPORT = re.compile(r"^\s*(?:from\s+\S+\s+import\b|import\s+\S|#|$)")


def estimate_tokens(text: str) -> int:
    """Word pieces as a WordPiece tokenizer would count them, roughly (+15 % on code)."""
    return len(_PIECE.findall(_CAMEL_SPLIT.sub(" ", text)))


@dataclass(frozen=True)
class SymbolInfo:
    """What shaping needs of a code-intelligence symbol."""

    qualified_name: str
    name: str
    kind: str
    start_line: int
    end_line: int
    signature: str
    docstring: str | None
    parent: str | None

    @classmethod
    def of(cls, symbol: object) -> SymbolInfo:
        start = int(getattr(symbol, "start_line", 0))
        return cls(str(getattr(symbol, "qualified_name", "") or getattr(symbol, "name", "")),
                   str(getattr(symbol, "name", "")), str(getattr(symbol, "kind", "")),
                   start, int(getattr(symbol, "end_line", start)),
                   str(getattr(symbol, "signature", "") or ""),
                   getattr(symbol, "docstring", None), getattr(symbol, "parent", None))


def _cap(line: str) -> str:
    return line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] + " …"


def _windows(title: str, lines: Sequence[tuple[int, str]], budget: int = WINDOW_TOKENS
             ) -> Iterator[tuple[int, int, str]]:
    """(first line, last line, text) windows of numbered lines, each within ``budget``
    estimated tokens including the ``title`` line; the last takes any overflow."""
    base = estimate_tokens(title)
    current: list[tuple[int, str]] = []
    used = base
    emitted = 0
    for number, line in lines:
        cost = estimate_tokens(line) + 1
        if current and used + cost > budget and emitted < MAX_WINDOWS - 1:
            yield current[0][0], current[-1][0], title + "\n" + "\n".join(t for _, t in current)
            emitted += 1
            current, used = [], base
        current.append((number, _cap(line)))
        used += cost
    if any(t.strip() for _, t in current):
        yield current[0][0], current[-1][0], title + "\n" + "\n".join(t for _, t in current)


def _head_lines(symbol: SymbolInfo, lines: list[str]) -> int:
    """How many lines from the symbol's start make its signature (up to the ':' or '{')."""
    for offset in range(0, min(12, symbol.end_line - symbol.start_line + 1)):
        text = lines[symbol.start_line + offset].rstrip() if \
            symbol.start_line + offset < len(lines) else ""
        if text.endswith((":", "{", "=>")) or (offset == 0 and text.endswith(";")):
            return offset + 1
    return 1


def symbol_chunks(rel: str, text: str, symbols: Sequence[object]) -> Iterator[Chunk]:
    """Windows of every symbol (own lines, children as signatures) plus module windows."""
    lines = text.splitlines()
    language = language_for(rel)
    infos = sorted((SymbolInfo.of(s) for s in symbols), key=lambda s: (s.start_line,
                                                                      -s.end_line))
    infos = [s for s in infos if s.kind != "module"]
    children: dict[str, list[SymbolInfo]] = {}
    for s in infos:
        if s.parent:
            children.setdefault(s.parent, []).append(s)
    owned = [False] * len(lines)
    for s in infos:
        own = [c for c in children.get(s.qualified_name, ()) if c.start_line > s.start_line]
        taken = {i for c in own for i in range(c.start_line, c.end_line + 1)}
        body: list[tuple[int, str]] = []
        for i in range(s.start_line, min(s.end_line, len(lines) - 1) + 1):
            owned[i] = True
            if i in taken:
                child = next((c for c in own if c.start_line == i), None)
                if child is not None:  # the member's signature stands for its body
                    head = _head_lines(child, lines)
                    body += [(j, lines[j]) for j in range(i, min(i + head, len(lines)))]
                continue
            body.append((i, lines[i]))
        head = _head_lines(s, lines)
        signature = "\n".join(lines[s.start_line:s.start_line + head]).strip() or s.signature
        title = f"{rel} {s.qualified_name}"
        for n, (start, end, chunk_text) in enumerate(_windows(title, body)):
            yield Chunk(f"code:{rel}#{start}:{s.qualified_name}", rel, s.qualified_name,
                        s.kind, language, start, end, chunk_text,
                        head=(signature + "\n" + (s.docstring or "")).strip() if n == 0
                        else "")
    rest = [(i, line) for i, line in enumerate(lines) if not owned[i] and
            not _IMPORT.match(line)]
    for start, end, chunk_text in _windows(rel, rest):
        yield Chunk(f"code:{rel}#{start}", rel, None, "module", language, start, end,
                    chunk_text)


def window_chunks(rel: str, text: str) -> Iterator[Chunk]:
    """A file without symbols (docs, configuration, unparsed languages): windows that fit."""
    language = language_for(rel)
    numbered = [(i, line) for i, line in enumerate(text.splitlines()) if line.strip()]
    headings = {i: line.lstrip("# ").strip() for i, line in numbered
                if line.lstrip().startswith("#")}
    for start, end, chunk_text in _windows(rel, numbered):
        heading = next((headings[i] for i in range(start, end + 1) if i in headings), "")
        yield Chunk(f"code:{rel}#{start}", rel, None, "file", language, start, end, chunk_text,
                    head=heading)
