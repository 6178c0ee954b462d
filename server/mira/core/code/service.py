"""CodeService: symbols, call graph, impact, concepts, clusters and patterns of a workspace.

The contract other areas call (``document_symbols``, ``symbol_at``, ``callers``,
``callees``, ``concepts``, ``patterns``) plus what the LSP and CLI layers need
(``index``, ``index_paths``, ``workspace_symbols``, ``impact``, ``status``).

Storage is SQLite (migration 0003); every read opens or reuses a connection owned by
the calling thread, so the async methods work in any event loop (the semantic layer
calls ``document_symbols`` through ``asyncio.run`` in a worker thread). Open buffers
keep their last tree (a small LRU, never every file) so a ``didChange`` re-parses
incrementally.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sqlite3
import subprocess
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tree_sitter import Point, Tree

from mira.core.code import store
from mira.core.code.clusters import cluster, directory_of
from mira.core.code.concepts import query_terms
from mira.core.code.extract import extract, parse
from mira.core.code.fuzzy import NameIndex
from mira.core.code.indexer import (
    Parsed,
    PythonModules,
    check_source,
    file_stat,
    module_for,
    parse_file,
    parse_many,
)
from mira.core.code.languages import BY_EXTENSION, spec_for
from mira.core.code.model import CallEdge, CallSite, FileIndex, PatternMatch, Symbol
from mira.core.code.patterns import detect
from mira.core.code.resolve import CONSTRUCTORS, Resolved, Resolver
from mira.core.semantic.chunks import SKIP_DIRS, list_files
from mira.core.stores.database import Priority

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)
T = TypeVar("T")

Progress = Callable[[int, int | None, str], None]
OPEN_BUFFERS = 16  # trees kept for incremental re-parsing
RECENT_FILES = 4  # trees of files last re-indexed from disk, kept for the same reason
WRITE_BATCH = 200
MAX_DEPTH = 10
REBUILD_NAMES_FILES = 100  # a bulk run changing more files rebuilds the name index
FOLLOW_FILES = 20  # files re-indexed because they mention newly defined names
FREEZE_NAMES = 20_000  # a resolver loaded with this many names is frozen (gc.freeze)
REBUILD_INDEXES_ROWS = 20_000  # a bulk run storing this many calls rebuilds their indexes
# the version of what the index stores (names, columns' meaning): an index stamped with
# another version is rebuilt in full (2: Python modules named from their package root;
# 3: types for resolution, dotted bases, constructor edges)
INDEX_VERSION = "3"
_INSERT_CALL = store.INSERT_CALL


@dataclass
class CodeIndexReport:
    files: int = 0
    parsed: int = 0
    removed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    symbols: int = 0
    calls: int = 0
    seconds: float = 0.0


@dataclass
class Impact:
    symbol: Symbol
    callers: list[CallEdge]
    cochanged: list[tuple[str, float]]  # (repository-relative path, confidence)
    note: str | None = None


@dataclass
class _Buffer:
    source: bytes
    tree: Tree
    index: FileIndex


def common_affixes(old: bytes, new: bytes) -> tuple[int, int]:
    """Lengths of the common prefix and (non-overlapping) common suffix (memcmp speed)."""
    limit = min(len(old), len(new))
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[:mid] == new[:mid]:
            lo = mid
        else:
            hi = mid - 1
    prefix = lo
    lo, hi = 0, limit - prefix
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[len(old) - mid:] == new[len(new) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    return prefix, lo


def _point(data: bytes, offset: int) -> Point:
    row = data.count(b"\n", 0, offset)
    return Point(row, offset - (data.rfind(b"\n", 0, offset) + 1))


def reparse(buffer: _Buffer, new: bytes, language: str, path: str) -> _Buffer:
    """The buffer after an edit: re-parsed incrementally from its previous tree, and
    re-extracted only in the top-level definitions the edit touched."""
    old = buffer.source
    prefix, suffix = common_affixes(old, new)
    tree = buffer.tree
    tree.edit(start_byte=prefix, old_end_byte=len(old) - suffix,
              new_end_byte=len(new) - suffix, start_point=_point(old, prefix),
              old_end_point=_point(old, len(old) - suffix),
              new_end_point=_point(new, len(new) - suffix))
    new_tree = parse(language, new, tree)
    index = _merge(buffer.index, tree, new_tree, old, new, prefix, suffix, language, path)
    if index is None:
        index = extract(language, path, new, new_tree, module=buffer.index.module)
    return _Buffer(new, new_tree, index)


def _shift_symbol(s: Symbol, lines: int) -> Symbol:
    if not lines:
        return s
    return Symbol(s.qualified_name, s.name, s.kind, s.path, s.start_line + lines, s.start_col,
                  s.end_line + lines, s.end_col, s.selection_start_line + lines,
                  s.selection_start_col, s.selection_end_line + lines, s.selection_end_col,
                  s.signature, s.docstring, s.parent, s.language, s.bases, s.fields, s.types)


def _shift_call(c: CallSite, lines: int) -> CallSite:
    return c if not lines else CallSite(c.caller, c.name, c.receiver, c.line + lines, c.col,
                                        c.receiver_type)


def _merge(previous: FileIndex, old_tree: Tree, new_tree: Tree, old: bytes, new: bytes,
           prefix: int, suffix: int, language: str, path: str) -> FileIndex | None:
    """The previous elements outside the edited top-level nodes (shifted) plus a fresh
    extraction of those nodes; None when only a full extraction is safe."""
    start, end = prefix, len(new) - suffix
    for changed in old_tree.changed_ranges(new_tree):
        start, end = min(start, changed.start_byte), max(end, changed.end_byte)
    kids = new_tree.root_node.children
    touched = [k for k, child in enumerate(kids)
               if child.end_byte >= start and child.start_byte <= end]
    if touched:
        first, last = touched[0], touched[-1]
        # whole lines: nodes sharing a line with the edited ones are re-extracted too
        while first > 0 and kids[first - 1].end_point[0] >= kids[first].start_point[0]:
            first -= 1
        while last + 1 < len(kids) and kids[last + 1].start_point[0] <= kids[last].end_point[0]:
            last += 1
        # the next definition's doc comment may have changed: take it (and comments) along
        k = last + 1
        while k < len(kids) and "comment" in kids[k].type:
            k += 1
        last = min(k, len(kids) - 1)
        while last + 1 < len(kids) and kids[last + 1].start_point[0] <= kids[last].end_point[0]:
            last += 1
        lo, hi = kids[first].start_byte, kids[last].end_byte
        first_line = min(kids[first].start_point[0], _point(new, start)[0])
        last_line = kids[last].end_point[0]
    else:
        lo = hi = start
        first_line, last_line = _point(new, start)[0], _point(new, end)[0]
    if hi - lo > len(new) // 2:
        return None
    delta = new.count(b"\n") - old.count(b"\n")
    old_last = last_line - delta
    before: list[Symbol] = []
    after: list[Symbol] = []
    for s in previous.symbols[1:]:
        if s.end_line < first_line:
            before.append(s)
        elif s.start_line > old_last:
            after.append(_shift_symbol(s, delta))
        elif not (s.start_line >= first_line and s.end_line <= old_last):
            return None  # shares a line with the edited nodes
    part = extract(language, path, new, new_tree, (lo, hi), previous.module) if touched \
        else FileIndex(
        path, language, previous.module)
    root_end = new_tree.root_node.end_point
    module = replace(previous.symbols[0], end_line=root_end[0], end_col=root_end[1])
    calls = [c for c in previous.calls if c.line < first_line] + part.calls + [
        _shift_call(c, delta) for c in previous.calls if c.line > old_last]
    imports = [i for i in previous.imports if i.line < first_line] + part.imports + [
        replace(i, line=i.line + delta) for i in previous.imports if i.line > old_last]
    return FileIndex(path, language, previous.module, [module, *before, *part.symbols, *after],
                     imports, calls, errors=1 if new_tree.root_node.has_error else 0)


class CodeService:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self._write = threading.Lock()  # one code index run (bulk or paths) at a time
        self._state = threading.Lock()
        self._edits = threading.Lock()  # one buffer update at a time (trees are edited)
        self._resolver: Resolver | None = None
        self._frozen = False
        self._buffers: OrderedDict[str, _Buffer] = OrderedDict()
        self._recent: OrderedDict[str, _Buffer] = OrderedDict()  # used under self._write
        # workspace/symbol: built on the first query, then updated per changed file
        self._names: NameIndex | None = None
        self._names_lock = threading.Lock()
        self._names_dirty: set[int] | None = set()  # file ids changed; None: rebuild
        self._cache: dict[str, tuple[int, Any]] = {}
        self._modules = PythonModules(workspace.root)
        self.generation = 0
        self.last_report: CodeIndexReport | None = None

    # -- plumbing ------------------------------------------------------------------------
    @property
    def max_bytes(self) -> int:
        return int(getattr(self.ws.config, "code_max_file_bytes", 1_000_000))

    def _conn(self) -> sqlite3.Connection:
        """This thread's read connection (the workspace database's; never waits)."""
        return self.ws.db.read()

    def _commit(self, fn: Callable[[sqlite3.Connection], T],
                priority: Priority = Priority.CODE) -> T:
        """``fn`` as one short transaction of the workspace's single writer."""
        return self.ws.db.write(fn, priority)

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
        files = [f for f in list_files(self.ws.root) if spec_for(f) is not None]
        return [f for f in files if not (set(f.split("/")[:-1]) & SKIP_DIRS)]

    def index(self, progress: Progress | None = None,
              cancelled: Callable[[], bool] | None = None) -> CodeIndexReport:
        """Bring the whole workspace up to date (changed files only, by size and mtime)."""
        started = time.perf_counter()
        report = CodeIndexReport()
        with self._write:
            conn = self._conn()
            self._modules.clear()  # packages may have come or gone
            cleared = store.stamp(conn, "version") != INDEX_VERSION
            if cleared:
                def clear(w: sqlite3.Connection) -> None:
                    store.clear(w)
                    store.set_stamp(w, "version", INDEX_VERSION)
                self._commit(clear)
                self._resolver = None
            states = store.file_states(conn)
            files = self.source_files()
            report.files = len(files)
            # a run killed between its symbol batches and its calls left files that look
            # indexed but have no calls: everything is parsed again (then calls stored)
            resumed = store.stamp(conn, "run") == "incomplete"
            todo = []
            for rel in files:
                found = file_stat(self.ws.root, rel)
                old = states.get(rel)
                if found is None:
                    continue
                if resumed or old is None or (old.size, old.mtime_ns) != found[:2]:
                    todo.append(rel)
            if todo:
                self._commit(lambda w: store.set_stamp(w, "run", "incomplete"))
            gone = [p for p in states if p not in set(files)]
            resolver = self._resolver_for(conn)
            if gone:
                def drop(w: sqlite3.Connection) -> None:
                    for rel in gone:
                        store.delete_file(w, states[rel].id)
                self._commit(drop)
                for rel in gone:
                    resolver.remove(rel)
                report.removed = len(gone)
            workers = int(getattr(self.ws.config, "code_index_workers", 0))
            parsed: list[tuple[int, FileIndex]] = []
            batch: list[Parsed] = []
            results = parse_many(self.ws.root, todo, self.max_bytes, workers, cancelled,
                                 self._modules)
            for done, result in enumerate(results, 1):
                batch.append(result)
                if len(batch) >= WRITE_BATCH:
                    parsed += self._write_symbols(batch, states, resolver, report)
                    batch = []
                if progress is not None:
                    progress(done, len(todo), result.path)
            parsed += self._write_symbols(batch, states, resolver, report)
            # calls last: every file's symbols are known to the resolver by now; resolved
            # first, then stored in one short transaction (the git indexer writes too)
            rows: list[tuple[object, ...]] = []
            for file_id, index in parsed:
                rows += self._call_rows(file_id, index, resolver)
            report.calls = len(rows)

            def calls(w: sqlite3.Connection) -> None:
                rebuild = len(rows) >= REBUILD_INDEXES_ROWS
                if rebuild:  # sorting once beats updating two indexes row by row
                    w.execute("DROP INDEX code_calls_caller")
                    w.execute("DROP INDEX code_calls_callee")
                w.executemany(_INSERT_CALL, rows)
                if rebuild:
                    w.execute("CREATE INDEX code_calls_caller ON code_calls(caller)")
                    w.execute("CREATE INDEX code_calls_callee ON code_calls(callee)")
                store.set_stamp(w, "run", "complete")
            if todo or rows:
                self._commit(calls)
        self._freeze()  # after a first bulk run
        # the name index follows a few changed files; after many, it is rebuilt
        changed = [states[p].id for p in gone] + [states[p].id for p in todo if p in states] \
            + [file_id for file_id, _ in parsed]
        self._bump(changed if len(changed) <= REBUILD_NAMES_FILES and not cleared else None)
        report.seconds = time.perf_counter() - started
        self.last_report = report
        return report

    def _write_symbols(self, batch: list[Parsed], states: dict[str, store.FileState],
                       resolver: Resolver, report: CodeIndexReport
                       ) -> list[tuple[int, FileIndex]]:
        kept = [r for r in batch if r.status != "missing"]
        if not kept:
            return []

        def write(w: sqlite3.Connection) -> list[int]:
            ids = []
            for result in kept:
                old = states.get(result.path)
                ids.append(store.write_file(w, result.path, result.size, result.mtime_ns,
                                            result.status, result.index,
                                            old_id=old.id if old else None))
            return ids
        out = []
        for result, file_id in zip(kept, self._commit(write), strict=True):
            if result.index is None:
                report.skipped[result.status] = report.skipped.get(result.status, 0) + 1
                resolver.remove(result.path)
                continue
            report.parsed += 1
            report.symbols += len(result.index.symbols)
            resolver.add_index(result.index)
            out.append((file_id, result.index))
        return out

    def _call_rows(self, file_id: int, index: FileIndex, resolver: Resolver
                   ) -> list[tuple[object, ...]]:
        imports = {i.local: i for i in index.imports if i.local}
        rows: list[tuple[object, ...]] = []
        seen: dict[tuple[str, str, str | None, str | None], list[Resolved]] = {}
        for c in index.calls:
            key = (c.caller, c.name, c.receiver, c.receiver_type)
            found = seen.get(key)
            if found is None:
                found = seen[key] = resolver.resolve(index, c, imports)
            for r in found:
                rows.append((file_id, c.caller, c.name, c.receiver, c.line, c.col, r.callee,
                             r.confidence))
        return rows

    def index_paths(self, paths: Iterable[Path | str], follow: bool = True) -> int:
        """Re-index just these files (a saved or changed file); returns files touched.

        Names these files define for the first time may be what other files' calls were
        waiting for: those files (found with ``git grep``, at most ``FOLLOW_FILES``) are
        re-indexed too when ``follow``.
        """
        rels = []
        for path in paths:
            rel = self.rel(path)
            parts = rel.split("/")
            if spec_for(rel) is None or rel.startswith("..") or set(parts[:-1]) & SKIP_DIRS:
                continue
            rels.append(rel)
        if not rels:
            return 0
        if any(rel.endswith("/__init__.py") for rel in rels):
            self._modules.clear()  # a package may have come or gone
        with self._write:
            conn = self._conn()
            resolver = self._resolver_for(conn)
            states = store.file_states(conn, rels)
            results = [self._parse_saved(rel) for rel in rels]
            new_names: set[str] = set()
            touched = [state.id for state in states.values()]

            for result in results:  # names defined for the first time (before the write)
                if result.index is not None:
                    new_names |= {sym.name for sym in result.index.symbols[1:]
                                  if sym.name not in resolver.by_name
                                  and sym.name not in resolver.methods_by_name}

            def write(conn: sqlite3.Connection) -> list[int]:  # resolver updates: idempotent
                written = []
                for result in results:
                    old = states.get(result.path)
                    if result.status == "missing":
                        if old is not None:
                            store.delete_file(conn, old.id)
                        resolver.remove(result.path)
                        continue
                    if old is None:
                        file_id = store.write_file(conn, result.path, result.size,
                                                   result.mtime_ns, result.status,
                                                   result.index)
                    else:  # only what changed: most of a file is as it was
                        file_id = store.update_file(conn, old.id, result.path, result.size,
                                                    result.mtime_ns, result.status,
                                                    result.index)
                        if result.index is None:
                            store.replace_calls(conn, file_id, [])
                    if result.index is None:
                        resolver.remove(result.path)
                    else:
                        resolver.add_index(result.index)
                        written.append((file_id, result.index))
                for file_id, index in written:
                    store.replace_calls(conn, file_id, self._call_rows(file_id, index, resolver))
                return [file_id for file_id, _ in written]
            touched += self._commit(write, Priority.BUFFER)
        self._bump(touched)
        if follow and new_names:
            waiting = [p for p in self._files_mentioning(new_names) if p not in rels]
            if waiting:
                self.index_paths(waiting[:FOLLOW_FILES], follow=False)
        return len(rels)

    def _files_mentioning(self, names: set[str]) -> list[str]:
        """Indexed source files containing one of ``names`` as a word (``git grep``)."""
        words = sorted(n for n in names if n.isidentifier())[:50]
        if not words or not self.ws.has_git:
            return []
        globs = [f"*{ext}" for ext in BY_EXTENSION]
        args = ["git", "-C", str(self.ws.root), "grep", "-l", "-w", "-F", "-I", "--untracked"]
        for word in words:
            args += ["-e", word]
        try:
            out = subprocess.run([*args, "--", *globs], capture_output=True, timeout=10,
                                 check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        return [line for line in os.fsdecode(out).splitlines() if line]

    def _parse_saved(self, rel: str) -> Parsed:
        """A file on disk; an open buffer with the same bytes is not parsed again."""
        with self._state:
            buffer = self._buffers.get(rel)
        found = file_stat(self.ws.root, rel) if buffer is not None else None
        if buffer is not None and found is not None and found[2] == "ok" and \
                found[0] == len(buffer.source) <= self.max_bytes:
            try:
                same = (self.ws.root / rel).read_bytes() == buffer.source
            except OSError:
                same = False
            if same:  # concepts: computed when stored, for new symbols only
                return Parsed(rel, found[0], found[1], "indexed", buffer.index)
        return self._parse_disk(rel)

    def _parse_disk(self, rel: str) -> Parsed:
        """A file changed on disk (not open). The trees of the last few such files are
        kept: when one changes again, it is re-parsed incrementally and only the
        top-level definitions the change touched are extracted again."""
        spec = spec_for(rel)
        found = file_stat(self.ws.root, rel)
        with self._state:
            recent = self._recent.pop(rel, None)
        data = None
        if spec is not None and found is not None and found[2] == "ok" and \
                found[0] <= self.max_bytes:
            try:
                data = (self.ws.root / rel).read_bytes()
            except OSError:
                data = None
        if spec is None or found is None or data is None or \
                check_source(data, self.max_bytes) is not None:
            return parse_file(str(self.ws.root), rel, self.max_bytes, self._modules)
        module = module_for(self._modules, rel, spec.name)
        if recent is not None and recent.index.module == (module or recent.index.module):
            buffer = recent if recent.source == data else reparse(recent, data, spec.name, rel)
        else:
            tree = parse(spec.name, data)
            buffer = _Buffer(data, tree, extract(spec.name, rel, data, tree, module=module))
        with self._state:
            self._recent[rel] = buffer
            while len(self._recent) > RECENT_FILES:
                self._recent.popitem(last=False)
        return Parsed(rel, found[0], found[1], "indexed", buffer.index)

    def update_buffer(self, path: Path | str, text: str) -> list[Symbol]:
        """Symbols of an open buffer after an edit (incremental re-parse; not stored)."""
        rel = self.rel(path)
        spec = spec_for(rel)
        if spec is None:
            return []
        with self._edits:
            source = text.encode("utf-8", "surrogateescape")
            with self._state:
                buffer = self._buffers.get(rel)
            if buffer is not None and buffer.source == source:
                return buffer.index.symbols
            if len(source) > self.max_bytes:
                return []
            if buffer is None:
                tree = parse(spec.name, source)
                buffer = _Buffer(source, tree, extract(
                    spec.name, rel, source, tree,
                    module=module_for(self._modules, rel, spec.name)))
            else:
                buffer = reparse(buffer, source, spec.name, rel)
            with self._state:
                self._buffers[rel] = buffer
                self._buffers.move_to_end(rel)
                while len(self._buffers) > OPEN_BUFFERS:
                    self._buffers.popitem(last=False)
            return buffer.index.symbols

    def close_buffer(self, path: Path | str) -> None:
        with self._state:
            self._buffers.pop(self.rel(path), None)

    # -- reads (blocking) -----------------------------------------------------------------
    def _file_symbols(self, rel: str) -> list[Symbol]:
        with self._state:
            buffer = self._buffers.get(rel)
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
        with self._state:
            is_open = rel in self._buffers
        if is_open:
            return self.update_buffer(rel, text)
        # text of a file that is not open (e.g. the semantic layer's chunking): the index
        # when it holds exactly these bytes, else a one-off parse that evicts no open buffer
        source = text.encode("utf-8", "surrogateescape")
        if len(source) > self.max_bytes:
            return []
        found = file_stat(self.ws.root, rel)
        if found is not None and found[0] == len(source):
            row = self._conn().execute("SELECT size, mtime_ns, status FROM code_files"
                                       " WHERE path = ?", (rel,)).fetchone()
            try:
                same = row is not None and (row[0], row[1]) == found[:2] and \
                    row[2] == "indexed" and (self.ws.root / rel).read_bytes() == source
            except OSError:
                same = False
            if same:
                return store.symbols_of(self._conn(), rel)
        spec = spec_for(rel)
        if spec is None:
            return []
        return extract(spec.name, rel, source,
                       module=module_for(self._modules, rel, spec.name)).symbols

    def _symbol_rows(self, qualified: str) -> list[Symbol]:
        return store.find_symbols(self._conn(), qualified)

    def _symbol_in(self, qualified: str, path: str | None) -> Symbol | None:
        found = store.symbols_named(self._conn(), qualified)
        if path is not None:
            found = [s for s in found if s.path == path] or found
        return found[0] if found else None

    def _edges(self, qualified: str, depth: int, incoming: bool,
               guesses: bool = False) -> list[CallEdge]:
        """Callers (or callees) up to ``depth`` levels: resolved edges only, unless
        ``guesses`` (then edges guessed by name too, marked ``confidence: "name"``).
        Outgoing, a constructor call shows as the class (not also its ``__init__``)."""
        conn = self._conn()
        wanted = "" if guesses else " AND c.confidence = 'resolved'"
        targets = self._symbol_rows(qualified)
        if not targets:
            return []
        depth = max(1, min(depth, MAX_DEPTH))
        edges: list[CallEdge] = []
        seen = {t.qualified_name for t in targets}
        frontier = list(seen)
        column = "callee" if incoming else "caller"
        for level in range(1, depth + 1):
            next_frontier: list[str] = []
            for q in frontier:
                rows = conn.execute(
                    f"SELECT c.caller, c.callee, c.line, c.col, c.confidence, f.path"
                    f" FROM code_calls c JOIN code_files f ON f.id = c.file_id"
                    f" WHERE c.{column} = ?{wanted} ORDER BY f.path, c.line, c.col",
                    (q,)).fetchall()
                sites = {(r[2], r[3]) for r in rows if not incoming and
                         r[1].rsplit(".", 1)[-1] not in CONSTRUCTORS}
                for caller_q, callee_q, line, col, confidence, path in rows:
                    if not incoming and (line, col) in sites and \
                            callee_q.rsplit(".", 1)[-1] in CONSTRUCTORS:
                        continue  # the class at the same site stands for it
                    caller = self._symbol_in(caller_q, path)
                    callee = self._symbol_in(callee_q, None)
                    if caller is None or callee is None:
                        continue  # a stale edge (the definition is gone)
                    edges.append(CallEdge(caller, callee, line, col, confidence, level))
                    reached = caller_q if incoming else callee_q
                    if reached not in seen:
                        seen.add(reached)
                        next_frontier.append(reached)
            frontier = next_frontier
            if not frontier:
                break
        return edges

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
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = conn.execute(f"SELECT s.id, {store.SYMBOL_COLUMNS} FROM {store.SYMBOL_FROM}"
                            f" WHERE s.id IN ({marks})", wanted).fetchall()
        by_id = {r[0]: store.row_to_symbol(r[1:]) for r in rows}
        return [by_id[i] for i in wanted if i in by_id]

    def _concepts(self, word: str, limit: int) -> list[Symbol]:
        words = query_terms(word)
        if not words:
            return []
        match = " OR ".join(f'"{w}"*' for w in words)
        rows = self._conn().execute(
            f"SELECT {store.SYMBOL_COLUMNS} FROM code_concepts c"
            f" JOIN code_symbols s ON s.id = c.rowid JOIN code_files f ON f.id = s.file_id"
            f" WHERE code_concepts MATCH ? ORDER BY bm25(code_concepts, 10.0, 3.0, 1.0),"
            f" s.kind = 'module', s.id LIMIT ?", (match, limit)).fetchall()
        return [store.row_to_symbol(r) for r in rows]

    def _patterns(self, rel: str | None) -> list[PatternMatch]:
        key = f"patterns:{rel}"
        cached = self._cache.get(key)
        if cached is not None and cached[0] == self.generation:
            return list(cached[1])
        generation = self.generation
        conn = self._conn()
        implementations: dict[str, list[str]] = {}
        for qualified, bases in conn.execute(
                "SELECT qualified_name, bases FROM code_symbols WHERE bases != ''"):
            for base in bases.split():
                implementations.setdefault(base, []).append(qualified)
        if rel is not None:
            symbols = self._file_symbols(rel)
        else:
            rows = conn.execute(f"SELECT {store.SYMBOL_COLUMNS} FROM {store.SYMBOL_FROM}"
                                " WHERE s.kind != 'module' ORDER BY s.id").fetchall()
            symbols = [store.row_to_symbol(r) for r in rows]
        found = detect(symbols, implementations)
        self._cache[key] = (generation, found)
        return found

    def clusters(self, limit: int = 12) -> list[dict[str, Any]]:
        """Domain clusters: directories merged when their concepts overlap or they usually
        change in the same commits."""
        cached = self._cache.get("clusters")
        if cached is not None and cached[0] == self.generation:
            return list(cached[1])
        generation = self.generation
        concepts: dict[str, Counter[str]] = {}
        files: dict[str, set[str]] = {}
        for path, terms in self._conn().execute(
                "SELECT f.path, c.name_terms FROM code_symbols s"
                " JOIN code_files f ON f.id = s.file_id JOIN code_concepts c ON c.rowid = s.id"
                " WHERE s.kind != 'module'"):
            key = directory_of(path)
            concepts.setdefault(key, Counter()).update(terms.split())
            files.setdefault(key, set()).add(path)
        together, changes = self._directory_cochange(set(concepts))
        found = cluster(concepts, files, together, changes, limit)
        self._cache["clusters"] = (generation, found)
        return found

    def _directory_cochange(self, known: set[str], commits: int = 2000
                            ) -> tuple[Counter[tuple[str, str]], Counter[str]]:
        """How often directories changed in the same recent commits (from the git index)."""
        together: Counter[tuple[str, str]] = Counter()
        changes: Counter[str] = Counter()
        conn = self._conn()
        for repo in self.ws.repos:
            try:
                prefix = repo.root.relative_to(self.ws.root).as_posix()
            except ValueError:
                continue
            prefix = "" if prefix == "." else prefix + "/"
            try:
                rows = conn.execute(
                    "SELECT fc.commit_id, p.path FROM file_changes fc"
                    " JOIN paths p ON p.id = fc.path_id WHERE fc.commit_id IN ("
                    " SELECT c.id FROM commits c JOIN repositories r ON r.id = c.repo_id"
                    " WHERE r.root = ? AND c.is_merge = 0 AND c.n_files BETWEEN 2 AND 30"
                    " ORDER BY c.author_time DESC LIMIT ?)", (str(repo.root), commits))
                by_commit: dict[int, set[str]] = {}
                for commit_id, path in rows:
                    key = directory_of(prefix + path)
                    if key in known:
                        by_commit.setdefault(commit_id, set()).add(key)
            except sqlite3.OperationalError:  # no git index in this database
                continue
            for keys in by_commit.values():
                changes.update(keys)
                together.update(combinations(sorted(keys), 2))
        return together, changes

    def status(self) -> dict[str, Any]:
        conn = self._conn()
        by_status = dict(conn.execute(
            "SELECT status, COUNT(*) FROM code_files GROUP BY status").fetchall())
        large = [r[0] for r in conn.execute(
            "SELECT path FROM code_files WHERE status = 'too_large' ORDER BY path LIMIT 20")]
        symbols = conn.execute("SELECT COUNT(*) FROM code_symbols WHERE kind != 'module'"
                               ).fetchone()[0]
        calls = conn.execute("SELECT COUNT(*) FROM code_calls").fetchone()[0]
        out: dict[str, Any] = {
            "files": by_status.pop("indexed", 0), "skipped": by_status, "symbols": symbols,
            "calls": calls, "maxFileBytes": self.max_bytes, "clusters": self.clusters()}
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

    async def symbol_at(self, path: Path, line: int) -> Symbol | None:
        symbols = await asyncio.to_thread(self.symbols_sync, path, None)
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
        return await asyncio.to_thread(self._concepts, word, limit)

    async def patterns(self, path: Path | None = None) -> list[PatternMatch]:
        rel = self.rel(path) if path is not None else None
        return await asyncio.to_thread(self._patterns, rel)

    async def workspace_symbols(self, query: str, limit: int = 100) -> list[Symbol]:
        return await asyncio.to_thread(self._workspace_symbols, query, limit)

    async def impact(self, path: Path, line: int, depth: int = 3,
                     cochange_limit: int = 10, guesses: bool = False) -> Impact | None:
        symbol = await self.symbol_at(path, line)
        if symbol is None:
            return None
        callers = await self.callers(symbol.qualified_name, depth, guesses)
        cochanged: list[tuple[str, float]] = []
        note = None
        try:
            answer = await self.ws.cochange(self.ws.root / symbol.path, cochange_limit)
            cochanged = [(s.path, s.confidence) for s in answer.items]
            note = answer.note
        except Exception as exc:  # the git side is optional here
            log.debug("co-change for impact failed", exc_info=True)
            note = f"co-change unavailable: {exc}"
        return Impact(symbol, callers, cochanged, note)


