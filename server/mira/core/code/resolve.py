"""Resolving call sites to definitions.

In order: ``self.``/``this.``/``cls.`` methods of the enclosing type (and its bases),
names in the enclosing scopes of the same file, imported names and members of imported
modules, and finally a name-based guess (``confidence: "name"``) when few definitions
carry the name. The resolver keeps a compact global view of every file's symbols and
is updated file by file.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

from mira.core.code.model import CONTAINER_KINDS, CallSite, FileIndex, Import

SELF = frozenset({"self", "this", "cls", "Self", "super()"})
# languages whose files see their directory's (package's) top-level names without imports
PACKAGE_SCOPED = frozenset({"go", "java"})
MAX_NAME_CANDIDATES = 3


@dataclass(frozen=True)
class Resolved:
    callee: str
    confidence: str  # resolved | name


class Resolver:
    def __init__(self) -> None:
        self.kinds: dict[str, tuple[str, str | None, tuple[str, ...]]] = {}
        self.by_name: dict[str, list[str]] = {}  # functions, classes, ... (not methods)
        self.methods_by_name: dict[str, list[str]] = {}
        self.files: dict[str, list[str]] = {}  # path -> qualified names defined there
        self.modules: dict[str, str] = {}  # module name -> path
        self.by_path: dict[str, str] = {}  # path without extension -> module name
        self.suffix: dict[str, str] = {}  # every dotted suffix of a module name -> module
        self.by_dir: dict[str, set[str]] = {}  # directory -> module names of its files

    # -- keeping it current --------------------------------------------------------------
    def add(self, path: str, module: str,
            symbols: Iterable[tuple[str, str, str, str | None, tuple[str, ...]]]) -> None:
        """``symbols``: (qualified name, name, kind, parent, bases)."""
        rows = [row for row in symbols if row[2] != "module"]
        known = self.files.get(path)
        if known is not None and self.modules.get(module) == path and \
                known == [row[0] for row in rows] and \
                all(self.kinds.get(q) == (kind, parent, bases)
                    for q, _, kind, parent, bases in rows):
            return  # the same definitions as before (a change inside bodies)
        self.remove(path)
        names = []
        for qualified, name, kind, parent, bases in rows:
            if kind == "module":
                continue
            self.kinds.setdefault(qualified, (kind, parent, bases))
            table = self.methods_by_name if kind == "method" else self.by_name
            table.setdefault(name, []).append(qualified)
            names.append(qualified)
        self.files[path] = names
        self.modules[module] = path
        self.by_dir.setdefault(posixpath.dirname(path), set()).add(module)
        self.by_path[path.rsplit(".", 1)[0]] = module
        parts = module.split(".")
        for i in range(len(parts)):
            key = ".".join(parts[i:])
            old = self.suffix.get(key)
            if old is None or old.count(".") > module.count("."):
                self.suffix[key] = module

    def add_index(self, index: FileIndex) -> None:
        self.add(index.path, index.module,
                 ((s.qualified_name, s.name, s.kind, s.parent, s.bases) for s in index.symbols))

    def remove(self, path: str) -> None:
        names = self.files.pop(path, None)
        if not names:
            return
        gone = set(names)
        for qualified in names:
            self.kinds.pop(qualified, None)
            name = qualified.rsplit(".", 1)[-1]
            for table in (self.by_name, self.methods_by_name):
                if name in table:
                    left = [q for q in table[name] if q not in gone]
                    if left:
                        table[name] = left
                    else:
                        del table[name]

    # -- resolution ----------------------------------------------------------------------
    def module_for(self, spec: str, importer: str, language: str) -> str | None:
        """The module name an import refers to, if it is in the workspace."""
        if language == "python" and spec.startswith("."):
            dots = len(spec) - len(spec.lstrip("."))
            base = self._package_of(importer)
            base = base[:len(base) - (dots - 1)] if dots > 1 else base
            rest = spec.lstrip(".")
            spec = ".".join([*base, *([rest] if rest else [])])
        elif language in ("typescript", "tsx", "javascript") and spec.startswith("."):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
            target = target.rsplit(".", 1)[0] if target.endswith((".js", ".ts", ".mjs")) \
                else target
            return self.by_path.get(target) or self.by_path.get(target + "/index")
        elif language == "rust":
            parts = [p for p in spec.split("::") if p not in ("crate", "self", "super")]
            spec = ".".join(parts)
        spec = spec.replace("/", ".").replace("::", ".")
        if spec in self.modules:
            return spec
        found = self.suffix.get(spec)
        if found is None and language == "python":  # a namespace package (no __init__.py)
            target = spec.replace(".", "/")
            found = self.by_path.get(target) or self.by_path.get(target + "/__init__")
        return found

    def _package_of(self, importer: str) -> list[str]:
        """The parts of the package a Python file belongs to (for relative imports)."""
        stem = importer.rsplit(".", 1)[0]
        module = self.by_path.get(stem)
        if module is None:  # not known yet: its directories
            directory = posixpath.dirname(importer)
            return directory.split("/") if directory else []
        parts = module.split(".")
        return parts if stem.endswith("/__init__") or stem == "__init__" else parts[:-1]

    def _member(self, module: str | None, name: str) -> str | None:
        if module is None:
            return None
        qualified = f"{module}.{name}"
        return qualified if qualified in self.kinds else None

    def _type_of(self, caller: str) -> str | None:
        q: str | None = caller
        while q is not None:
            info = self.kinds.get(q)
            if info is None:
                # an impl/receiver scope: `mod.Type` with no symbol of its own
                return q if q != caller else None
            if info[0] in CONTAINER_KINDS:
                return q
            q = info[1]
        return None

    def _method(self, type_q: str, name: str, imports: dict[str, Import], importer: str,
                language: str, depth: int = 0) -> str | None:
        qualified = f"{type_q}.{name}"
        if qualified in self.kinds:
            return qualified
        info = self.kinds.get(type_q)
        if info is None or depth > 3:
            return None
        module = type_q.rsplit(".", 1)[0]
        for base in info[2]:
            base_q = self._lookup_name(base, module, imports, importer, language)
            if base_q is not None:
                found = self._method(base_q, name, imports, importer, language, depth + 1)
                if found:
                    return found
        return None

    def _lookup_name(self, name: str, scope: str, imports: dict[str, Import], importer: str,
                     language: str) -> str | None:
        """``name`` as seen from ``scope``: enclosing scopes, then imports."""
        q: str | None = scope
        while q:
            candidate = f"{q}.{name}"
            if candidate in self.kinds:
                return candidate
            q = q.rsplit(".", 1)[0] if "." in q else None
        if language in PACKAGE_SCOPED:
            here = posixpath.dirname(importer)
            for sibling in sorted(self.by_dir.get(here, ())):
                candidate = f"{sibling}.{name}"
                if candidate in self.kinds:
                    return candidate
        imp = imports.get(name)
        if imp is not None:
            module = self.module_for(imp.module, importer, language)
            if imp.name is not None:
                found = self._member(module, imp.name)
                if found:
                    return found
                module = self.module_for(_join(imp.module, imp.name, language), importer, language)
                return self._member(module, name)
        return None

    def resolve(self, index: FileIndex, call: CallSite,
                imports: dict[str, Import] | None = None) -> list[Resolved]:
        if imports is None:
            imports = {i.local: i for i in index.imports if i.local}
        language, path = index.language, index.path
        receiver = call.receiver
        if call.receiver_type is not None:
            type_q = self._lookup_name(call.receiver_type, call.caller, imports, path, language)
            if type_q is not None:
                found = self._method(type_q, call.name, imports, path, language)
                if found:
                    return [Resolved(found, "resolved")]
        if receiver in SELF:
            type_q = self._type_of(call.caller)
            if type_q is not None:
                found = self._method(type_q, call.name, imports, path, language)
                if found:
                    return [Resolved(found, "resolved")]
        elif receiver is None:
            found = self._lookup_name(call.name, call.caller, imports, path, language)
            if found:
                return [Resolved(found, "resolved")]
        else:
            imp = imports.get(receiver)
            module = None
            if imp is not None:
                spec = _join(imp.module, imp.name, language) if imp.name else imp.module
                module = self.module_for(spec, path, language) or (
                    self.module_for(imp.module, path, language) if imp.name else None)
                if imp.name and module and self._member(module, imp.name) and \
                        self.kinds[f"{module}.{imp.name}"][0] in CONTAINER_KINDS:
                    found = self._method(f"{module}.{imp.name}", call.name, imports, path,
                                         language)
                    if found:
                        return [Resolved(found, "resolved")]
            elif receiver in self.modules or receiver in self.suffix:
                module = self.module_for(receiver, path, language)
            found = self._member(module, call.name)
            if found:
                return [Resolved(found, "resolved")]
            # `Type.method()` / `Type::new()` with the type in scope
            type_q = self._lookup_name(receiver, call.caller, imports, path, language) \
                if receiver.isidentifier() else None
            if type_q is not None and self.kinds.get(type_q, ("",))[0] in CONTAINER_KINDS:
                found = self._method(type_q, call.name, imports, path, language)
                if found:
                    return [Resolved(found, "resolved")]
        candidates = (self.by_name if receiver is None else self.methods_by_name).get(
            call.name, ())
        if 0 < len(candidates) <= MAX_NAME_CANDIDATES:
            return [Resolved(q, "name") for q in candidates]
        return []


def _join(module: str, name: str, language: str) -> str:
    """``module.name``; Python's ``from . import x`` gives ``.x``, not ``..x``."""
    if language == "python" and module.endswith("."):
        return module + name
    return f"{module}.{name}"
