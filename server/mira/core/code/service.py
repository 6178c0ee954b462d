"""CodeService: symbols, call graph, impact, concepts, clusters and patterns of a workspace.

The contract other areas call (``document_symbols``, ``symbol_at``, ``callers``,
``callees``, ``concepts``, ``patterns``) plus what the LSP and CLI layers need
(``index``, ``index_paths``, ``workspace_symbols``, ``impact``, ``status``). A facade:
writing the index is ``indexing.CodeIndexer``'s, open buffers and their incremental
re-parse ``buffers.BufferCache``'s (``reparse``), reads ``reads``' and ``store``'s.

Storage is SQLite (migration 0003); every read opens or reuses a connection owned by
the calling thread, so the async methods work in any event loop (the semantic layer
calls ``document_symbols`` through ``asyncio.run`` in a worker thread).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira.core import files as workspace_files
from mira.core.code import reads, store
from mira.core.code.buffers import BufferCache
from mira.core.code.clusters import cluster
from mira.core.code.extract import extract
from mira.core.code.fuzzy import NameIndex
from mira.core.code.indexer import PythonModules, file_stat, module_for, parse_file
from mira.core.code.indexing import CodeIndexer, CodeIndexReport, Progress
from mira.core.code.languages import spec_for
from mira.core.code.model import CallEdge, PatternMatch, Symbol
from mira.core.code.patterns import detect, holders_of, subtypes
from mira.core.code.resolve import Resolver

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)

FREEZE_NAMES = 20_000  # a resolver loaded with this many names is frozen (gc.freeze)
__all__ = ["CodeIndexReport", "CodeService", "Impact"]


@dataclass
class Impact:
    symbol: Symbol
    callers: list[CallEdge]
    cochanged: list[tuple[str, float]]  # (repository-relative path, confidence)
    note: str | None = None
    cochange_root: Path | None = None  # the repository the co-changed paths belong to


class CodeService:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self._write = threading.Lock()
        self._state = threading.Lock()
        self._resolver: Resolver | None = None
        self._frozen = False
        # workspace/symbol: built on the first query, then updated per changed file
        self._names: NameIndex | None = None
        self._names_lock = threading.Lock()
        self._names_dirty: set[int] | None = set()  # file ids changed; None: rebuild
        self._cache: dict[str, tuple[int, Any]] = {}
        self._modules = PythonModules(workspace.root)
        self.buffers = BufferCache(workspace.root, self._modules, lambda: self.max_bytes)
        self.indexer = CodeIndexer(self)
        self.generation = 0
        self.last_report: CodeIndexReport | None = None

    # -- plumbing ------------------------------------------------------------------------
    @property
    def max_bytes(self) -> int:
        return self.ws.config.code_max_file_bytes

    def _conn(self) -> sqlite3.Connection:
        """This thread's read connection (the workspace database's; never waits)."""
        return self.ws.db.read()

    def rel(self, path: Path | str) -> str:
        p = Path(path)
        if not p.is_absolute():
            return p.as_posix()
        try:
            return p.resolve().relative_to(self.ws.root).as_posix()
        except ValueError:
            return p.as_posix()

    def _bump(self, files: Iterable[int] | None) -> None:
        """A change: ``files`` (ids) changed, or anything did (None)."""
        with self._state:
            self.generation += 1
            if files is None or self._names_dirty is None:
                self._names_dirty = None
            else:
                self._names_dirty.update(files)

    def _resolver_for(self, conn: sqlite3.Connection) -> Resolver:
        """The global view for resolution, loaded once and then kept current."""
        if self._resolver is None:
            self._resolver = store.load_resolver(conn)
            self._freeze()
        return self._resolver

    def _freeze(self) -> None:
        """Move a large resolver's tables (hundreds of thousands of long-lived objects) out
        of the cyclic collector's view: full collections, triggered by the objects each
        re-index allocates, would otherwise walk them all (the re-index's p95). Once."""
        if not self._frozen and self._resolver is not None and \
                len(self._resolver.kinds) >= FREEZE_NAMES:
            self._frozen = True
            gc.collect()
            gc.freeze()


    # -- indexing (blocking: call from a worker thread) ------------------------------------
    def source_files(self) -> list[str]:
        return self.indexer.source_files()

    def index(self, progress: Progress | None = None,
              cancelled: Callable[[], bool] | None = None) -> CodeIndexReport:
        """Bring the whole workspace up to date (changed files only, by size and mtime)."""
        return self.indexer.index(progress, cancelled)

    def index_paths(self, paths: Iterable[Path | str], follow: bool = True) -> int:
        """Re-index just these files (a saved or changed file); returns files touched."""
        return self.indexer.index_paths(paths, follow)

    def update_buffer(self, path: Path | str, text: str) -> list[Symbol]:
        """Symbols of an open buffer after an edit (incremental re-parse; not stored)."""
        return self.buffers.update(self.rel(path), text)

    def close_buffer(self, path: Path | str) -> None:
        self.buffers.close(self.rel(path))

    # -- reads (blocking) -----------------------------------------------------------------
    def _file_symbols(self, rel: str) -> list[Symbol]:
        buffer = self.buffers.get(rel)
        if buffer is not None:
            return buffer.index.symbols
        conn = self._conn()
        row = conn.execute("SELECT size, mtime_ns, status FROM code_files WHERE path = ?",
                           (rel,)).fetchone()
        found = file_stat(self.ws.root, rel)
        if row is not None and found is not None and (row[0], row[1]) == found[:2]:
            return store.symbols_of(conn, rel) if row[2] == "indexed" else []
        if found is None:
            return []
        parsed = parse_file(str(self.ws.root), rel, self.max_bytes, self._modules)
        return parsed.index.symbols if parsed.index else []

    def symbols_sync(self, path: Path, text: str | None) -> list[Symbol]:
        rel = self.rel(path)
        if spec_for(rel) is None:
            return []
        if text is None:
            return self._file_symbols(rel)
        if self.buffers.get(rel) is not None:
            return self.update_buffer(rel, text)
        # text of a file that is not open (e.g. the semantic layer's chunking): the index
        # when it holds exactly these bytes, else a one-off parse that evicts no open buffer
        source = workspace_files.source_bytes(rel, text.encode("utf-8", "surrogateescape"))[0]
        if len(source) > self.max_bytes:
            return []
        found = file_stat(self.ws.root, rel)
        if found is not None and found[0] == len(source):
            row = self._conn().execute("SELECT size, mtime_ns, status FROM code_files"
                                       " WHERE path = ?", (rel,)).fetchone()
            try:
                same = row is not None and (row[0], row[1]) == found[:2] and \
                    row[2] == "indexed" and workspace_files.source_bytes(
                        rel, (self.ws.root / rel).read_bytes())[0] == source
            except OSError:
                same = False
            if same:
                return store.symbols_of(self._conn(), rel)
        spec = spec_for(rel)
        if spec is None:
            return []
        return extract(spec.name, rel, source,
                       module=module_for(self._modules, rel, spec.name)).symbols


    def _edges(self, qualified: str, depth: int, incoming: bool,
               guesses: bool = False) -> list[CallEdge]:
        return reads.edges(self._conn(), qualified, depth, incoming, guesses)

    def _workspace_symbols(self, query: str, limit: int) -> list[Symbol]:
        conn = self._conn()
        with self._names_lock:
            with self._state:
                dirty, self._names_dirty = self._names_dirty, set()
            names = self._names
            if names is None or dirty is None or names.stale:
                names = self._names = NameIndex(conn.execute(
                    "SELECT id, name, file_id FROM code_symbols WHERE kind != 'module'"
                    " ORDER BY id"))
            else:
                for file_id in dirty:
                    names.update_file(file_id, conn.execute(
                        "SELECT id, name FROM code_symbols WHERE file_id = ?"
                        " AND kind != 'module'", (file_id,)))
            wanted = names.search(query, limit)
        return reads.symbols_by_id(conn, wanted)

    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept until the index changes (its generation)."""
        cached = self._cache.get(key)
        if cached is not None and cached[0] == self.generation:
            return list(cached[1])
        generation = self.generation
        found = compute()
        self._cache[key] = (generation, found)
        return found

    def _patterns(self, rel: str | None) -> list[PatternMatch]:
        def compute() -> list[PatternMatch]:
            everything, implementations, holders = self._pattern_inputs()
            symbols = self._file_symbols(rel) if rel is not None else everything
            return detect(symbols, implementations, holders)
        found: list[PatternMatch] = self._cached(f"patterns:{rel}", compute)
        return found

    def _pattern_inputs(self) -> tuple[list[Symbol], dict[str, list[str]],
                                       dict[str, list[str]]]:
        """The whole workspace's part of pattern detection (every symbol, subtypes, who
        holds which type), once per index generation: each file's patterns (a chat's
        context asks for the open file's) then cost only that file's detection."""
        def compute() -> list[Any]:
            conn = self._conn()
            everything = reads.all_symbols(conn)
            # the writer's resolver (lookups only, no lock: a bulk index may hold it for
            # minutes), or one loaded from this thread's connection
            resolver = self._resolver or store.load_resolver(conn)
            implementations = subtypes(resolver, reads.types_with_bases(conn))
            return [everything, implementations, holders_of(everything)]
        everything, implementations, holders = self._cached("pattern-inputs", compute)
        return everything, implementations, holders

    def clusters(self, limit: int = 12) -> list[dict[str, Any]]:
        """Domain clusters: directories merged when their concepts overlap or they usually
        change in the same commits."""
        def compute() -> list[dict[str, Any]]:
            conn = self._conn()
            concepts, files = reads.directory_concepts(conn)
            together, changes = reads.directory_cochange(conn, self.ws.repos, self.ws.root,
                                                         set(concepts))
            return cluster(concepts, files, together, changes, limit)
        found: list[dict[str, Any]] = self._cached("clusters", compute)
        return found

    def status(self) -> dict[str, Any]:
        out = reads.counts(self._conn())
        large = out.pop("tooLarge")
        out.update({"maxFileBytes": self.max_bytes, "clusters": self.clusters()})
        if large:
            out["tooLarge"] = large
            out["message"] = (f"{len(large)} file(s) larger than codeMaxFileBytes "
                              f"({self.max_bytes} bytes) were not parsed")
        if self.last_report is not None:
            out["lastIndexSeconds"] = round(self.last_report.seconds, 3)
        return out

    # -- the async contract ----------------------------------------------------------------
    async def document_symbols(self, path: Path, text: str | None = None) -> list[Symbol]:
        return await asyncio.to_thread(self.symbols_sync, path, text)

    async def symbol_at(self, path: Path, line: int, character: int | None = None,
                        text: str | None = None) -> Symbol | None:
        """The symbol whose name is at (``line``, ``character``), else the innermost one
        around ``line``; ``text`` is the open buffer's, when there is one."""
        symbols = await asyncio.to_thread(self.symbols_sync, path, text)
        if character is not None:
            for s in symbols:
                if s.kind != "module" and s.selection_start_line == line and \
                        s.selection_start_col <= character <= s.selection_end_col:
                    return s
        best: Symbol | None = None
        for s in symbols:
            if s.kind != "module" and s.start_line <= line <= s.end_line and (
                    best is None or (s.start_line, -s.end_line) >= (best.start_line,
                                                                    -best.end_line)):
                best = s
        return best

    async def callers(self, qualified_name: str, depth: int = 1,
                      guesses: bool = False) -> list[CallEdge]:
        return await asyncio.to_thread(self._edges, qualified_name, depth, True, guesses)

    async def callees(self, qualified_name: str, depth: int = 1,
                      guesses: bool = False) -> list[CallEdge]:
        return await asyncio.to_thread(self._edges, qualified_name, depth, False, guesses)

    async def concepts(self, word: str, limit: int = 20) -> list[Symbol]:
        return await asyncio.to_thread(lambda: reads.concepts(self._conn(), word, limit))

    async def patterns(self, path: Path | None = None) -> list[PatternMatch]:
        rel = self.rel(path) if path is not None else None
        return await asyncio.to_thread(self._patterns, rel)

    async def workspace_symbols(self, query: str, limit: int = 100) -> list[Symbol]:
        return await asyncio.to_thread(self._workspace_symbols, query, limit)

    async def impact(self, path: Path, line: int, depth: int = 3,
                     cochange_limit: int | None = None, guesses: bool = False,
                     character: int | None = None, text: str | None = None) -> Impact | None:
        """What breaks if the symbol at the position changes: its transitive callers and the
        files usually changed with its file (``cochange_limit``: the configured default)."""
        symbol = await self.symbol_at(path, line, character, text)
        if symbol is None:
            return None
        callers = await self.callers(symbol.qualified_name, depth, guesses)
        cochanged: list[tuple[str, float]] = []
        root = None
        note = None
        try:
            answer = await self.ws.cochange(self.ws.root / symbol.path, cochange_limit)
            cochanged = [(s.path, s.confidence) for s in answer.items]
            root, note = answer.repo_root, answer.note
        except Exception as exc:  # the git side is optional here
            log.debug("co-change for impact failed", exc_info=True)
            note = f"co-change unavailable: {exc}"
        return Impact(symbol, callers, cochanged, note, root)


