"""Code elements, imports and call sites of one file, from its tree-sitter query.

Query captures (``queries/<lang>.scm``):

- ``@definition.<kind>`` a definition node with ``@name``; optional ``@doc`` (a
  docstring node), ``@bases`` (base classes / implemented interfaces, any node whose
  identifiers are the bases) and ``@receiver_type`` (Go/C++ methods defined outside
  their type: the type's name);
- ``@scope.impl`` with ``@name``: a block whose members belong to the named type
  (Rust ``impl``), not a symbol itself;
- ``@field``: a field name of the enclosing class;
- ``@import`` with ``@import.module``, optional ``@import.name``, ``@import.alias`` and
  ``@import.star`` (``from m import *``, ``export * from``);
- ``@call`` with ``@call.name`` and optional ``@call.receiver``;
- ``@returns`` (inside a definition): its declared return type;
- ``@local.name`` with ``@local.type`` (an annotation) or ``@local.call`` (the function
  whose result it was assigned): a receiver type for calls in the same scope;
- ``@attr.name`` with ``@attr.type``, ``@attr.call`` or ``@attr.local`` (a typed local):
  an attribute type of the enclosing class.

Nesting, qualified names, methods (functions inside a type) and the enclosing symbol
of each call are worked out from the ranges, not by walking the tree.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from tree_sitter import Node, QueryCursor, Tree

from mira.core.code.languages import parser, query
from mira.core.code.model import CONTAINER_KINDS, CallSite, FileIndex, Import, Symbol

MAX_SIGNATURE = 240
MAX_DOC = 600
_SPACE = re.compile(r"\s+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOTTED = re.compile(r"[A-Za-z_$][\w$]*(?:(?:\.|::)[A-Za-z_$][\w$]*)*")
_BASE_NOISE = frozenset({"extends", "implements", "public", "private", "protected", "virtual",
                         "object", "Generic", "typing.Generic", "for", "Protocol"})
_OPTIONAL = re.compile(r"^(?:typing\.)?(?:Optional|Type|type|ClassVar|Final|Annotated)\[(.*)\]$")
_UNION = re.compile(r"^(?:typing\.)?Union\[(.*)\]$")
_HEAD = re.compile(r"[A-Za-z_$][\w$]*")
_NEW = frozenset({"new_expression", "object_creation_expression"})
_TYPE_KINDS = frozenset({"class", "struct", "interface", "trait", "enum", "type"})


def module_name(path: str) -> str:
    """``pkg/sub/mod.py`` -> ``pkg.sub.mod``; a package's ``__init__`` is the package."""
    pure = PurePosixPath(path)
    parts = [*pure.parent.parts, pure.name.split(".")[0] if pure.suffix else pure.name]
    if parts and parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(p for p in parts if p not in ("", "."))


@dataclass
class _Def:
    start: int
    end: int
    kind: str
    name: str
    node: Node
    name_node: Node
    doc: Node | None = None
    bases: list[str] = field(default_factory=list)
    receiver_type: str | None = None
    parent: int | None = None
    qualified: str = ""
    fields: list[str] = field(default_factory=list)
    outer: Node | None = None  # the node with its decorators / export
    types: list[str] = field(default_factory=list)  # see model.Symbol.types


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _outer(node: Node) -> Node:
    """Include decorators (Python) and ``export`` (TypeScript) in a definition's range."""
    parent = node.parent
    while parent is not None and (
            parent.type in ("decorated_definition", "export_statement") or
            (parent.type == "type_declaration" and parent.named_child_count == 1)):
        node, parent = parent, parent.parent  # Go: `type X ...` alone is the whole statement
    return node


def _takes_self(node: Node) -> bool:
    params = node.child_by_field_name("parameters")
    first = params.named_children[0] if params is not None and params.named_children else None
    return first is not None and _text(first).split(":")[0].strip() in ("self", "cls")


def _signature(node: Node, outer: Node, source: bytes) -> str:
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None else node.end_byte
    if node.type == "variable_declarator":  # const f = (a) => ...: the whole first line
        end = min(node.end_byte, source.find(b"\n", node.start_byte) % (len(source) + 1))
    text = source[outer.start_byte:end].decode("utf-8", "replace")
    text = _SPACE.sub(" ", text).strip().rstrip(":{").strip()
    return text[:MAX_SIGNATURE]


def _docstring(d: _Def, source: bytes) -> str | None:
    if d.doc is not None:
        text = _text(d.doc).strip()
        for quote in ('"""', "'''", '"', "'"):
            if text.endswith(quote):
                start = text.find(quote)
                text = text[start + len(quote):len(text) - len(quote)]
                break
        return _clean_doc(text)
    # a comment block right above the definition (JSDoc, ///, //, #)
    outer = d.outer or _outer(d.node)
    lines: list[str] = []
    prev = outer.prev_sibling
    row = outer.start_point[0]
    while prev is not None and "comment" in prev.type and prev.end_point[0] >= row - 1:
        lines.insert(0, _text(prev))
        row = prev.start_point[0]
        prev = prev.prev_sibling
    if not lines:
        return None
    text = "\n".join(lines)
    text = re.sub(r"^\s*(/\*\*?|\*/|\*|///?|//!|#)", "", text, flags=re.M)
    return _clean_doc(text.replace("*/", ""))


def _clean_doc(text: str) -> str | None:
    text = "\n".join(line.strip() for line in text.strip().splitlines()).strip()
    return text[:MAX_DOC] or None


def _strip_brackets(text: str) -> str:
    """``text`` without what its brackets hold (type arguments, call arguments)."""
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch in "[<(":
            depth += 1
        elif ch in "]>)":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _bases(nodes: list[Node]) -> list[str]:
    """Base types by their (dotted) names: ``typing.MutableMapping[str, str]`` is one base,
    keyword arguments (``metaclass=M``) are none."""
    found: list[str] = []
    for node in nodes:
        text = _text(node)
        if node.type == "argument_list":  # Python: its positional arguments
            parts = [_text(c) for c in node.named_children if c.type != "keyword_argument"
                     and c.type != "comment"]
        else:
            parts = [_strip_brackets(text[1:-1] if text.startswith("(") else text)]
        for part in parts:
            for name in _DOTTED.findall(_strip_brackets(part)):
                name = name.replace("::", ".")
                if name not in _BASE_NOISE and name not in found:
                    found.append(name)
    return found


def type_name(text: str) -> str | None:
    """The class a type annotation names, dotted (``Optional["x.Client"]`` -> ``x.Client``;
    ``A | None`` -> ``A``); None for unions of several types and what is not a name."""
    text = _SPACE.sub("", text).replace('"', "").replace("'", "").lstrip(":*&")
    for _ in range(3):
        m = _OPTIONAL.match(text)
        if m:
            text = m.group(1).split(",")[0]
            continue
        m = _UNION.match(text)
        if m:
            text = m.group(1).replace(",", "|")
        options = [t for t in text.split("|") if t not in ("None", "")]
        if len(options) != 1:
            return None
        text = options[0]
        if not m:
            break
    text = text.split("[", 1)[0].split("<", 1)[0]
    return text if _DOTTED.fullmatch(text) and text not in ("None", "Any") else None


def call_type(text: str) -> str | None:
    """The result of calling ``text`` (a callee expression) as a type: ``Type()``."""
    text = _SPACE.sub("", text)
    return text + "()" if _DOTTED.fullmatch(text) else None


def _symbol(d: _Def, path: str, language: str, parent_q: str | None, source: bytes) -> Symbol:
    outer = d.outer or _outer(d.node)
    sel = d.name_node
    start, end = outer.start_point, outer.end_point
    sel_start, sel_end = sel.start_point, sel.end_point
    return Symbol(d.qualified, d.name, d.kind, path, start[0], start[1], end[0], end[1],
                  sel_start[0], sel_start[1], sel_end[0], sel_end[1],
                  _signature(d.node, outer, source), _docstring(d, source), parent_q,
                  language, tuple(d.bases), tuple(d.fields), tuple(d.types))


def parse(language: str, source: bytes, old_tree: Tree | None = None) -> Tree:
    return parser(language).parse(source, old_tree) if old_tree is not None \
        else parser(language).parse(source)


def extract(language: str, path: str, source: bytes, tree: Tree | None = None,
            byte_range: tuple[int, int] | None = None, module: str | None = None
            ) -> FileIndex:
    """The code elements, imports and calls of ``source`` (which may have syntax errors).

    With ``byte_range`` (whole top-level nodes), only what lies inside it, and no module
    symbol: the caller merges it with what it knows of the rest of the file.
    ``module``: the file's module name when the caller knows better than its path (a
    Python file's package root, see ``indexer.PythonModules``).
    """
    if tree is None:
        tree = parse(language, source)
    root = tree.root_node
    cursor = QueryCursor(query(language))
    lo, hi = byte_range if byte_range is not None else (0, len(source) + 1)
    if byte_range is not None:
        cursor.set_byte_range(lo, hi)
    if module is None:
        module = module_name(path)
    defs: list[_Def] = []
    field_names: list[tuple[int, str]] = []
    imports: list[Import] = []
    raw_calls: list[tuple[int, str, str | None, int, int]] = []
    locals_: list[tuple[int, str, str]] = []
    attrs: list[tuple[int, str, str, bool]] = []  # (byte, name, type, type is a local's name)
    pattern_kinds: dict[int, tuple[str, str] | None] = {}  # per query pattern
    for pattern, caps in cursor.matches(root):
        call = caps.get("call")
        if call is not None:  # most matches are calls: checked first, kept lean
            name_nodes = caps.get("call.name")
            if not name_nodes:
                continue
            name_node = name_nodes[0]
            receiver = caps.get("call.receiver")
            recv = None
            if receiver and receiver[0].type in _NEW:  # `new Type(...).method()`
                ctor = receiver[0].child_by_field_name("constructor") or \
                    receiver[0].child_by_field_name("type")
                recv = f"{_text(ctor)}()" if ctor is not None else None
            elif receiver:
                recv = (receiver[0].text or b"").decode("utf-8", "replace")[:240]
                if " " in recv or "\n" in recv:
                    recv = _SPACE.sub("", recv)
                recv = recv[:120]
            point = name_node.start_point
            raw_calls.append((call[0].start_byte, (name_node.text or b"").decode(
                "utf-8", "replace"), recv, point[0], point[1]))
            continue
        if "local.name" in caps:
            node = caps["local.name"][0]
            typed = type_name(_text(caps["local.type"][0])) if "local.type" in caps else \
                call_type(_text(caps["local.call"][0])) if "local.call" in caps else None
            if typed is not None:
                locals_.append((node.start_byte, _text(node), typed))
            continue
        if "attr.name" in caps:
            node = caps["attr.name"][0]
            if "attr.local" in caps:
                attrs.append((node.start_byte, _text(node), _text(caps["attr.local"][0]), True))
                continue
            typed = type_name(_text(caps["attr.type"][0])) if "attr.type" in caps else \
                call_type(_text(caps["attr.call"][0])) if "attr.call" in caps else None
            if typed is not None:
                attrs.append((node.start_byte, _text(node), typed, False))
            continue
        if "export.default" in caps:  # `export default X`: Import("default", "", X)
            node = caps["import"][0]
            if lo <= node.start_byte < hi:
                imports.append(Import("default", "", _text(caps["export.default"][0]),
                                      node.start_point[0]))
            continue
        if "import" in caps:
            module_nodes = caps.get("import.module")
            if not module_nodes:
                continue
            spec = _text(module_nodes[0]).strip("\"'<>")
            name = _text(caps["import.name"][0]) if "import.name" in caps else \
                "*" if "import.star" in caps else "default" if "import.default" in caps \
                else None
            alias = _text(caps["import.alias"][0]) if "import.alias" in caps else \
                _text(caps["import.default"][0]) if "import.default" in caps else None
            local: str | None = alias or name or (
                spec.rsplit("/", 1)[-1] if language == "go" else spec)
            if language in ("c", "cpp") or name == "*":
                local = None
            node = caps["import"][0]
            if lo <= node.start_byte < hi:
                imports.append(Import(local, spec, name, node.start_point[0]))
            continue
        if "field" in caps:
            node = caps["field"][0]
            field_names.append((node.start_byte, _text(node)))
            continue
        if pattern in pattern_kinds:
            found = pattern_kinds[pattern]
        else:
            kind = next((k.split(".", 1)[1] for k in caps
                         if k.startswith(("definition.", "scope."))), None)
            found = pattern_kinds[pattern] = None if kind is None else (kind, (
                f"definition.{kind}" if f"definition.{kind}" in caps else f"scope.{kind}"))
        if found is None or "name" not in caps:
            continue
        kind, capture = found
        node = caps[capture][0]
        name_node = caps["name"][0]
        outer = _outer(node)
        receiver_nodes = caps.get("receiver_type")
        doc_nodes = caps.get("doc")
        returns = caps.get("returns")
        returned = type_name(_text(returns[0])) if returns else None
        defs.append(_Def(outer.start_byte, outer.end_byte, kind, _text(name_node), node,
                         name_node, doc_nodes[0] if doc_nodes else None,
                         _bases(caps.get("bases", [])),
                         _text(receiver_nodes[0]) if receiver_nodes else None, outer=outer,
                         types=[f"->{returned}"] if returned else []))

    if byte_range is not None:
        defs = [d for d in defs if lo <= d.start < hi]
        raw_calls = [c for c in raw_calls if lo <= c[0] < hi]
    # nesting by ranges: sorted by start, then outermost first
    defs.sort(key=lambda d: (d.start, -d.end))
    unique: list[_Def] = []
    seen: set[tuple[int, int, str]] = set()
    for d in defs:
        key = (d.start, d.end, d.name)
        if key not in seen:
            seen.add(key)
            unique.append(d)
    defs = unique
    stack: list[int] = []
    for i, d in enumerate(defs):
        while stack and defs[stack[-1]].end <= d.start:
            stack.pop()
        d.parent = stack[-1] if stack else None
        parent = defs[d.parent] if d.parent is not None else None
        if d.receiver_type:  # Go `func (s *S) Run()`, C++ `void A::run()`
            prefix = (parent.qualified if parent else module) + "." + d.receiver_type
            d.kind = "method"
        else:
            prefix = parent.qualified if parent else module
        if d.kind == "function" and parent is not None and parent.kind in CONTAINER_KINDS:
            d.kind = "method"
        elif d.kind == "function" and language == "python" and parent is None and \
                d.node.start_point[1] > 0 and _takes_self(d.node):
            # an indented `def f(self)` outside any class: its class's header was swallowed
            # by a syntax error elsewhere; it stays a method
            d.kind = "method"
        d.qualified = f"{prefix}.{d.name}"
        stack.append(i)
    starts = [d.start for d in defs]

    def enclosing(byte: int) -> int | None:
        j: int | None = bisect.bisect_right(starts, byte) - 1
        while j is not None and j >= 0:
            if defs[j].end > byte:
                return j
            j = defs[j].parent
        return None

    for byte, name in field_names:
        j = enclosing(byte)
        while j is not None and defs[j].kind not in _TYPE_KINDS:
            j = defs[j].parent
        if j is not None and name not in defs[j].fields:
            defs[j].fields.append(name)

    local_types: dict[tuple[int | None, str], str] = {}
    for byte, name, typed in locals_:
        local_types.setdefault((enclosing(byte), name), typed)

    def local_type(j: int | None, name: str, depth: int = 0) -> str | None:
        """``name``'s type in scope ``j`` or the functions around it (closures); an
        expression starting with a typed local (``client.request()``) with the local's
        type in its place (``Client.request()``)."""
        scope = j
        while True:
            found = local_types.get((j, name))
            if found is not None or j is None or defs[j].kind in _TYPE_KINDS:
                break
            j = defs[j].parent
        if found is None and depth < 3:
            head = _HEAD.match(name)
            if head is not None and head.end() < len(name):
                typed = local_type(scope, head.group(0), depth + 1)
                if typed is not None:
                    return typed + name[head.end():]
        elif found is not None and depth < 3:
            head = _HEAD.match(found)
            if head is not None and head.end() < len(found) and head.group(0) != name:
                typed = local_type(scope, head.group(0), depth + 1)
                if typed is not None:
                    return typed + found[head.end():]
        return found

    for byte, name, typed, is_local in attrs:
        j = enclosing(byte)
        scope = j
        while j is not None and defs[j].kind not in _TYPE_KINDS:
            j = defs[j].parent
        if is_local:
            typed = local_type(scope, typed) or ""
        if j is not None and typed and not any(t.startswith(name + ":")
                                                for t in defs[j].types):
            defs[j].types.append(f"{name}:{typed}")
    last = root.end_point
    symbols = [] if byte_range is not None else [
        Symbol(module, module.rsplit(".", 1)[-1], "module", path, 0, 0, last[0], last[1],
               0, 0, 0, 0, language=language)]
    for d in defs:
        if d.kind == "impl":
            continue
        parent = defs[d.parent] if d.parent is not None else None
        parent_q: str | None
        if d.receiver_type:
            parent_q = d.qualified.rsplit(".", 1)[0]
        elif parent is None:
            parent_q = None
        else:
            parent_q = parent.qualified
        symbols.append(_symbol(d, path, language, parent_q, source))

    calls = []
    for byte, name, recv, line, col in sorted(raw_calls):
        j = enclosing(byte)
        while j is not None and defs[j].kind == "impl":
            j = defs[j].parent
        recv_type = local_type(j, recv) if recv and local_types and \
            not recv.startswith(("self.", "this.", "cls.")) else None
        calls.append(CallSite(defs[j].qualified if j is not None else module, name, recv,
                              line, col, recv_type))
    return FileIndex(path, language, module, symbols, imports, calls,
                     errors=1 if root.has_error else 0)
