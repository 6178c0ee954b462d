"""Incremental re-parsing of a changed buffer: tree-sitter re-parses from the previous tree,
and only the top-level definitions the edit touched are extracted again (the rest is
shifted). Pure functions over a ``Buffer`` (bytes, tree, extracted index)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tree_sitter import Point, Tree

from mira.core.code.extract import extract, parse
from mira.core.code.model import CallSite, FileIndex, Symbol


@dataclass
class Buffer:
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


def reparse(buffer: Buffer, new: bytes, language: str, path: str) -> Buffer:
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
    return Buffer(new, new_tree, index)


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
