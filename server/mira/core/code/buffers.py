"""The trees kept for incremental re-parsing: open buffers (``didChange``) and the files
last re-indexed from disk, each a small LRU (never every file)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from mira.core import files as workspace_files
from mira.core.code.extract import extract, parse
from mira.core.code.indexer import (
    Parsed,
    PythonModules,
    check_source,
    file_stat,
    module_for,
    parse_file,
)
from mira.core.code.languages import spec_for
from mira.core.code.model import Symbol
from mira.core.code.reparse import Buffer, reparse

OPEN_BUFFERS = 16  # trees kept for incremental re-parsing
RECENT_FILES = 4  # trees of files last re-indexed from disk, kept for the same reason


class BufferCache:
    def __init__(self, root: Path, modules: PythonModules, max_bytes: Callable[[], int]) -> None:
        self.root = root
        self.modules = modules
        self.max_bytes = max_bytes
        self.lock = threading.Lock()
        self.edits = threading.Lock()  # one buffer update at a time (trees are edited)
        self.open: OrderedDict[str, Buffer] = OrderedDict()
        self.recent: OrderedDict[str, Buffer] = OrderedDict()  # used under the write lock

    def get(self, rel: str) -> Buffer | None:
        with self.lock:
            return self.open.get(rel)

    def parse_saved(self, rel: str) -> Parsed:
        """A file on disk; an open buffer with the same bytes is not parsed again."""
        with self.lock:
            buffer = self.open.get(rel)
        found = file_stat(self.root, rel) if buffer is not None else None
        if buffer is not None and found is not None and found[2] == "ok" and \
                found[0] == len(buffer.source) <= self.max_bytes():
            try:
                disk = (self.root / rel).read_bytes()
                same = workspace_files.source_bytes(rel, disk)[0] == buffer.source
            except OSError:
                same = False
            if same:  # concepts: computed when stored, for new symbols only
                return Parsed(rel, found[0], found[1], "indexed", buffer.index)
        return self.parse_disk(rel)

    def parse_disk(self, rel: str) -> Parsed:
        """A file changed on disk (not open). The trees of the last few such files are
        kept: when one changes again, it is re-parsed incrementally and only the
        top-level definitions the change touched are extracted again."""
        spec = spec_for(rel)
        found = file_stat(self.root, rel)
        with self.lock:
            recent = self.recent.pop(rel, None)
        data = None
        if spec is not None and found is not None and found[2] == "ok" and \
                found[0] <= self.max_bytes():
            try:
                raw = (self.root / rel).read_bytes()
            except OSError:
                data = None
            else:  # the gate: key files refused, tokens masked (offsets kept)
                data, secret = workspace_files.source_bytes(rel, raw)
                if secret is not None:
                    return Parsed(rel, found[0], found[1], "secret")
        if spec is None or found is None or data is None or \
                check_source(data, self.max_bytes()) is not None:
            return parse_file(str(self.root), rel, self.max_bytes(), self.modules)
        module = module_for(self.modules, rel, spec.name)
        if recent is not None and recent.index.module == (module or recent.index.module):
            buffer = recent if recent.source == data else reparse(recent, data, spec.name, rel)
        else:
            tree = parse(spec.name, data)
            buffer = Buffer(data, tree, extract(spec.name, rel, data, tree, module=module))
        with self.lock:
            self.recent[rel] = buffer
            while len(self.recent) > RECENT_FILES:
                self.recent.popitem(last=False)
        return Parsed(rel, found[0], found[1], "indexed", buffer.index)

    def update(self, rel: str, text: str) -> list[Symbol]:
        """Symbols of an open buffer after an edit (incremental re-parse; not stored)."""
        spec = spec_for(rel)
        if spec is None:
            return []
        with self.edits:
            raw = text.encode("utf-8", "surrogateescape")
            source = workspace_files.source_bytes(rel, raw)[0]
            with self.lock:
                buffer = self.open.get(rel)
            if buffer is not None and buffer.source == source:
                return buffer.index.symbols
            if len(source) > self.max_bytes():
                return []
            if buffer is None:
                tree = parse(spec.name, source)
                buffer = Buffer(source, tree, extract(
                    spec.name, rel, source, tree,
                    module=module_for(self.modules, rel, spec.name)))
            else:
                buffer = reparse(buffer, source, spec.name, rel)
            with self.lock:
                self.open[rel] = buffer
                self.open.move_to_end(rel)
                while len(self.open) > OPEN_BUFFERS:
                    self.open.popitem(last=False)
            return buffer.index.symbols

    def close(self, rel: str) -> None:
        with self.lock:
            self.open.pop(rel, None)
