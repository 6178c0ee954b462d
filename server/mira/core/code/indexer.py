"""Reading and parsing source files, alone or in bulk (a process pool: tree-sitter's
``parse`` holds the GIL, so threads would not run in parallel).

A file is parsed only if it is a regular file (symlinks are skipped: no loops, no
files outside the workspace), not larger than ``codeMaxFileBytes``, not binary and
not minified. Bytes that are not UTF-8 are kept as they are (tree-sitter parses
bytes; names are decoded with replacement characters).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from mira.core.code.concepts import symbol_terms
from mira.core.code.extract import extract, module_name
from mira.core.code.languages import spec_for
from mira.core.code.model import FileIndex
from mira.core.files import source_bytes
from mira.core.processes import worker_init

POOL_MIN_FILES = 64  # fewer files parse faster in-process than a pool starts
CHUNK_FILES = 32
MINIFIED_MIN_BYTES = 50_000
MINIFIED_MIN_LINE = 2_000  # average bytes per line above which a file counts as minified


@dataclass(frozen=True, slots=True)
class Parsed:
    path: str  # workspace-relative
    size: int
    mtime_ns: int
    status: str  # indexed | too_large | binary | minified | symlink | secret | unreadable
    # | missing
    index: FileIndex | None = None


class PythonModules:
    """Python module names as Python sees them: from the top-most directory of the chain of
    packages (directories with ``__init__.py``) holding the file, so ``server/mira/x.py``
    is ``mira.x`` when ``server/`` is not a package; a file outside any package is a
    top-level module named by its stem. One ``stat`` per directory, cached: create a new
    instance (or call ``clear``) when ``__init__.py`` files may have come or gone."""

    def __init__(self, root: Path | str) -> None:
        self.root = str(root)
        self._packages: dict[str, tuple[str, ...]] = {}

    def clear(self) -> None:
        self._packages.clear()

    def package(self, directory: str) -> tuple[str, ...]:
        """The dotted parts of the package ``directory`` is; () when it is not one."""
        if directory in ("", "."):
            return ()  # the workspace root names no package
        found = self._packages.get(directory)
        if found is None:
            if os.path.isfile(os.path.join(self.root, directory, "__init__.py")):
                parent, _, name = directory.rpartition("/")
                found = (*self.package(parent), name)
            else:
                found = ()
            self._packages[directory] = found
        return found

    def module(self, rel: str) -> str:
        directory, _, filename = rel.rpartition("/")
        stem = filename.split(".")[0]
        parts = self.package(directory)
        if stem == "__init__":
            return ".".join(parts) or module_name(rel)
        return ".".join((*parts, stem))


def module_for(modules: PythonModules | None, rel: str, language: str) -> str | None:
    """The module name of ``rel`` when it differs from its path's (Python), else None."""
    if language != "python" or modules is None:
        return None
    return modules.module(rel)


def file_stat(root: Path, rel: str) -> tuple[int, int, str] | None:
    """(size, mtime_ns, status) without following symlinks; None when missing."""
    try:
        info = os.lstat(root / rel)
    except FileNotFoundError:
        return None
    except OSError:
        return (0, 0, "unreadable")
    if stat.S_ISLNK(info.st_mode):
        return (0, info.st_mtime_ns, "symlink")
    if not stat.S_ISREG(info.st_mode):
        return (0, info.st_mtime_ns, "unreadable")
    return (info.st_size, info.st_mtime_ns, "ok")


def check_source(data: bytes, max_bytes: int) -> str | None:
    """Why ``data`` is not parsed, or None."""
    if len(data) > max_bytes:
        return "too_large"
    if b"\0" in data[:8192]:
        return "binary"
    if len(data) > MINIFIED_MIN_BYTES and len(data) / (data.count(b"\n") + 1) > MINIFIED_MIN_LINE:
        return "minified"
    return None


def parse_file(root: str, rel: str, max_bytes: int,
               modules: PythonModules | None = None) -> Parsed:
    spec = spec_for(rel)
    found = file_stat(Path(root), rel)
    if found is None:
        return Parsed(rel, 0, 0, "missing")
    size, mtime, status = found
    if status != "ok" or spec is None:
        return Parsed(rel, size, mtime, status if status != "ok" else "unreadable")
    if size > max_bytes:
        return Parsed(rel, size, mtime, "too_large")
    try:
        data = (Path(root) / rel).read_bytes()
    except OSError:
        return Parsed(rel, size, mtime, "unreadable")
    problem = check_source(data, max_bytes)
    if problem:
        return Parsed(rel, size, mtime, problem)
    data, secret = source_bytes(rel, data)  # the gate: key files skipped, tokens masked
    if secret is not None:
        return Parsed(rel, size, mtime, "secret")
    if modules is None:
        modules = PythonModules(root)
    index = extract(spec.name, rel, data, module=module_for(modules, rel, spec.name))
    index.concepts = [symbol_terms(s) for s in index.symbols]  # in the worker, in parallel
    return Parsed(rel, size, mtime, "indexed", index)


def _parse_chunk(root: str, rels: Sequence[str], max_bytes: int) -> list[Parsed]:
    modules = PythonModules(root)  # per chunk: files of a chunk share directories
    return [parse_file(root, rel, max_bytes, modules) for rel in rels]


def parse_many(root: Path, rels: Sequence[str], max_bytes: int, workers: int = 0,
               cancelled: Callable[[], bool] | None = None,
               modules: PythonModules | None = None) -> Iterator[Parsed]:
    """Parse ``rels``, in a process pool when there are many; results in any order."""
    # one core is left for requests; even one worker takes parsing off the server's GIL
    workers = workers or max(1, (os.cpu_count() or 2) - 1)
    if len(rels) < POOL_MIN_FILES:
        modules = modules or PythonModules(root)
        for rel in rels:
            if cancelled is not None and cancelled():
                return
            yield parse_file(str(root), rel, max_bytes, modules)
        return
    chunks = [rels[i:i + CHUNK_FILES] for i in range(0, len(rels), CHUNK_FILES)]
    # spawn, not fork: the language server has threads (and an event loop)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context,
                                                initializer=_background,
                                                initargs=(os.getpid(),)) as pool:
        futures = [pool.submit(_parse_chunk, str(root), chunk, max_bytes) for chunk in chunks]
        try:
            for future in concurrent.futures.as_completed(futures):
                if cancelled is not None and cancelled():
                    raise _Cancelled
                yield from future.result()
        except (_Cancelled, GeneratorExit):
            for future in futures:
                future.cancel()
            return


def _background(parent: int) -> None:
    """Pool workers: a lower OS priority, and they end when the server is gone."""
    with contextlib.suppress(OSError):
        os.nice(10)
    worker_init(parent)


class _Cancelled(Exception):
    pass
