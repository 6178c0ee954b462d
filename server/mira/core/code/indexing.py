"""Keeping the stored code index current: the bulk index of a workspace (changed files
only, parsed in a process pool, symbols stored in batches, then every call resolved once
all symbols are known) and the re-index of a few saved or changed files (only what
changed is written; files waiting for a newly defined name follow)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from mira.core import files as workspace_files
from mira.core.code import store
from mira.core.code.indexer import Parsed, file_stat, parse_many
from mira.core.code.languages import BY_EXTENSION, spec_for
from mira.core.code.model import FileIndex
from mira.core.code.resolve import Resolved, Resolver
from mira.core.stores.database import Priority

if TYPE_CHECKING:
    from mira.core.code.service import CodeService

T = TypeVar("T")

Progress = Callable[[int, int | None, str], None]
WRITE_BATCH = 200
REBUILD_NAMES_FILES = 100  # a bulk run changing more files rebuilds the name index
FOLLOW_FILES = 20  # files re-indexed because they mention newly defined names
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


class CodeIndexer:
    """The writing side of a ``CodeService`` (its write lock, connection and resolver)."""

    def __init__(self, service: CodeService) -> None:
        self.svc = service

    def source_files(self) -> list[str]:
        listed = workspace_files.for_workspace(self.svc.ws).list_files()  # the gate decides
        return [f for f in listed if spec_for(f) is not None]

    def index(self, progress: Progress | None = None,
              cancelled: Callable[[], bool] | None = None) -> CodeIndexReport:
        """Bring the whole workspace up to date (changed files only, by size and mtime)."""
        svc = self.svc
        started = time.perf_counter()
        report = CodeIndexReport()
        with svc._write:
            conn = svc._conn()  # reads; every write is a short batch of the writer
            svc._modules.clear()  # packages may have come or gone
            cleared = store.stamp(conn, "version") != INDEX_VERSION
            if cleared:
                def clear(w: sqlite3.Connection) -> None:
                    store.clear(w)
                    store.set_stamp(w, "version", INDEX_VERSION)
                self._commit(clear)
                svc._resolver = None
            states = store.file_states(conn)
            files = self.source_files()
            report.files = len(files)
            # a run killed between its symbol batches and its calls left files that look
            # indexed but have no calls: everything is parsed again (then calls stored)
            resumed = store.stamp(conn, "run") == "incomplete"
            todo = []
            for rel in files:
                found = file_stat(svc.ws.root, rel)
                old = states.get(rel)
                if found is None:
                    continue
                if resumed or old is None or (old.size, old.mtime_ns) != found[:2]:
                    todo.append(rel)
            if todo:
                self._commit(lambda w: store.set_stamp(w, "run", "incomplete"))
            gone = [p for p in states if p not in set(files)]
            resolver = svc._resolver_for(conn)
            if gone:
                def drop(w: sqlite3.Connection) -> None:
                    for rel in gone:
                        store.delete_file(w, states[rel].id)
                self._commit(drop)
                for rel in gone:
                    resolver.remove(rel)
                report.removed = len(gone)
            workers = svc.ws.config.code_index_workers
            parsed: list[tuple[int, FileIndex]] = []
            batch: list[Parsed] = []
            results = parse_many(svc.ws.root, todo, svc.max_bytes, workers, cancelled,
                                 svc._modules)
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
        svc._freeze()  # after a first bulk run
        # the name index follows a few changed files; after many, it is rebuilt
        changed = [states[p].id for p in gone] + [states[p].id for p in todo if p in states] \
            + [file_id for file_id, _ in parsed]
        svc._bump(changed if len(changed) <= REBUILD_NAMES_FILES and not cleared else None)
        report.seconds = time.perf_counter() - started
        svc.last_report = report
        return report

    def _commit(self, fn: Callable[[sqlite3.Connection], T],
                priority: Priority = Priority.CODE) -> T:
        """``fn`` as one short transaction of the workspace's single writer."""
        return self.svc.ws.db.write(fn, priority)

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
        svc = self.svc
        rels = []
        gate = workspace_files.for_workspace(svc.ws)
        for path in paths:
            rel = svc.rel(path)
            if spec_for(rel) is None or rel.startswith("..") or workspace_files.skipped(rel) or \
                    rel.startswith(".mira/") or gate.path_secret(rel) is not None:
                continue
            rels.append(rel)
        if not rels:
            return 0
        if any(rel.endswith("/__init__.py") for rel in rels):
            svc._modules.clear()  # a package may have come or gone
        with svc._write:
            conn = svc._conn()
            resolver = svc._resolver_for(conn)
            states = store.file_states(conn, rels)
            results = [svc.buffers.parse_saved(rel) for rel in rels]
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
        svc._bump(touched)
        if follow and new_names:
            waiting = [p for p in self._files_mentioning(new_names) if p not in rels]
            if waiting:
                self.index_paths(waiting[:FOLLOW_FILES], follow=False)
        return len(rels)

    def _files_mentioning(self, names: set[str]) -> list[str]:
        """Indexed source files containing one of ``names`` as a word (``git grep``)."""
        svc = self.svc
        words = sorted(n for n in names if n.isidentifier())[:50]
        if not words or not svc.ws.has_git:
            return []
        globs = [f"*{ext}" for ext in BY_EXTENSION]
        args = ["git", "-C", str(svc.ws.root), "grep", "-l", "-w", "-F", "-I", "--untracked"]
        for word in words:
            args += ["-e", word]
        try:
            out = subprocess.run([*args, "--", *globs], capture_output=True, timeout=10,
                                 check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        return [line for line in os.fsdecode(out).splitlines() if line]
