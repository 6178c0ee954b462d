"""Resolving call sites to definitions, following the language rather than guessing.

A call's callee is looked up the way the language binds names: the enclosing scopes,
then the file's imports, followed through re-exports (``from ._client import Client`` in
a package's ``__init__``, star imports, ``export ... from``) to the defining module.
Receivers are typed where the code says: ``self``/``this`` is the enclosing class (its
bases in MRO order), ``super()`` its bases, a local's annotation or the call it was
assigned from (``x = Type()``, ``x = make()`` with a declared return type, ``with Type()
as x``), ``self.attr`` the attribute's type in the class (annotations, assignments in
methods, class attributes). A call of a class is a constructor call: an edge to the class
and one to the constructor it runs (``__init__``/``__new__``/``constructor``, inherited
ones included).

Only when nothing binds the name does a guess remain: at most one per site, only for a
name defined once in the workspace and not the name of a builtin type's method, and
marked ``confidence: "name"`` so that readers can leave guesses out (they do by default).
The resolver keeps a compact global view of every file's symbols and imports and is
updated file by file.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

from mira.core.code.model import CONTAINER_KINDS, CallSite, FileIndex, Import
from mira.core.code.names import COMMON_NAMES, c3, called, join_spec, parse_types

SELF = frozenset({"self", "this", "cls", "Self"})
# languages whose files see their directory's (package's) top-level names without imports
PACKAGE_SCOPED = frozenset({"go", "java"})
CONSTRUCTORS = ("__init__", "__new__", "constructor")
PACKAGE = "dir:"  # a _Target naming a Go package (a directory), not a module
MAX_DEPTH = 8  # re-export chains, type inference through calls
_SIMPLE = re.compile(r"^[\w$]+(?:\.[\w$]+)*$")


Row = tuple[str, str, str, str | None, tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Resolved:
    callee: str
    confidence: str  # resolved | name


@dataclass(frozen=True)
class _Target:
    """What an expression names: a module or a symbol (by qualified name)."""
    name: str
    module: bool = False


class Resolver:
    def __init__(self) -> None:
        # qualified name -> (kind, parent, bases)
        self.kinds: dict[str, tuple[str, str | None, tuple[str, ...]]] = {}
        self.types: dict[str, dict[str, str]] = {}  # attr name (or "->") -> type text
        self.by_name: dict[str, list[str]] = {}  # functions, classes, ... (not methods)
        self.methods_by_name: dict[str, list[str]] = {}
        self.files: dict[str, list[str]] = {}  # path -> qualified names defined there
        self.modules: dict[str, str] = {}  # module name -> path
        self.module_at: dict[str, str] = {}  # path -> module name
        self.module_of: dict[str, str] = {}  # qualified name -> its module
        self.language: dict[str, str] = {}  # module -> language
        self.imports: dict[str, dict[str, Import]] = {}  # module -> local name -> import
        self.stars: dict[str, list[str]] = {}  # module -> specs it star-imports/re-exports
        self.by_path: dict[str, str] = {}  # path without extension -> module name
        self.suffix: dict[str, str] = {}  # every dotted suffix of a module name -> module
        self.by_dir: dict[str, set[str]] = {}  # directory -> module names of its files
        self._mro_cache: dict[str, list[str]] = {}

    # -- keeping it current --------------------------------------------------------------
    def add(self, path: str, module: str, symbols: Iterable[Row],
            imports: Iterable[Import] = (), language: str = "") -> None:
        """``symbols``: (qualified name, name, kind, parent, bases, types)."""
        rows = [row for row in symbols if row[2] != "module"]
        imports = list(imports)
        table = {i.local: i for i in imports if i.local and i.module}
        default = next((i.name for i in imports if i.local == "default" and not i.module), None)
        if default:
            table["default"] = Import("default", "", default, 0)
        stars = [i.module for i in imports if i.name == "*"]
        known = self.files.get(path)
        if known is not None and self.modules.get(module) == path and \
                known == [row[0] for row in rows] and \
                self.imports.get(module) == table and self.stars.get(module, []) == stars and \
                all(self.kinds.get(q) == (kind, parent, bases) and
                    self.types.get(q, {}) == parse_types(types)
                    for q, _, kind, parent, bases, types in rows):
            return  # the same definitions as before (a change inside bodies)
        self.remove(path)
        self._mro_cache.clear()
        names = []
        for qualified, name, kind, parent, bases, types in rows:
            self.kinds.setdefault(qualified, (kind, parent, bases))
            if types:
                self.types[qualified] = parse_types(types)
            self.module_of[qualified] = module
            bucket = self.methods_by_name if kind == "method" else self.by_name
            bucket.setdefault(name, []).append(qualified)
            names.append(qualified)
        self.files[path] = names
        self.modules[module] = path
        self.module_at[path] = module
        self.language[module] = language
        self.imports[module] = table
        if stars:
            self.stars[module] = stars
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
                 ((s.qualified_name, s.name, s.kind, s.parent, s.bases, s.types)
                  for s in index.symbols), index.imports, index.language)

    def remove(self, path: str) -> None:
        names = self.files.pop(path, None)
        module = self.module_at.pop(path, None)
        if module is not None:
            self.imports.pop(module, None)
            self.stars.pop(module, None)
        if not names:
            return
        self._mro_cache.clear()
        gone = set(names)
        for qualified in names:
            self.kinds.pop(qualified, None)
            self.types.pop(qualified, None)
            self.module_of.pop(qualified, None)
            name = qualified.rsplit(".", 1)[-1]
            for table in (self.by_name, self.methods_by_name):
                if name in table:
                    left = [q for q in table[name] if q not in gone]
                    if left:
                        table[name] = left
                    else:
                        del table[name]

    # -- modules and imports -------------------------------------------------------------
    def module_for(self, spec: str, importer: str, language: str) -> str | None:
        """The module name an import refers to, if it is in the workspace."""
        if language == "python" and spec.startswith("."):
            dots = len(spec) - len(spec.lstrip("."))
            # by path first: a directory without __init__.py (a namespace package) still
            # holds the modules a relative import names
            folder = posixpath.dirname(importer)
            for _ in range(dots - 1):
                folder = posixpath.dirname(folder)
            target = posixpath.join(folder, *spec.lstrip(".").split(".")) \
                if spec.lstrip(".") else folder
            found = self.by_path.get(target) or self.by_path.get(target + "/__init__")
            if found is not None:
                return found
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

    def _package_dir(self, spec: str) -> str | None:
        """The workspace directory a Go import path names: its longest suffix that is a
        directory of Go files (``github.com/spf13/cobra/doc`` -> ``doc``)."""
        parts = spec.split("/")
        for i in range(len(parts)):
            folder = "/".join(parts[i:])
            if folder in self.by_dir and any(
                    self.language.get(m) == "go" for m in self.by_dir[folder]):
                return folder
        return None

    def _package_of(self, importer: str) -> list[str]:
        """The parts of the package a Python file belongs to (for relative imports)."""
        stem = importer.rsplit(".", 1)[0]
        module = self.by_path.get(stem)
        if module is None:  # not known yet: its directories
            directory = posixpath.dirname(importer)
            return directory.split("/") if directory else []
        parts = module.split(".")
        return parts if stem.endswith("/__init__") or stem == "__init__" else parts[:-1]

    def _imported(self, imp: Import, module: str, depth: int) -> _Target | None:
        """What an import statement of ``module`` binds."""
        path = self.modules.get(module, "")
        language = self.language.get(module, "")
        if imp.name is None and language in PACKAGE_SCOPED:  # Go: a package (a directory)
            folder = self._package_dir(imp.module)
            return _Target(PACKAGE + folder, True) if folder is not None else None
        if imp.name is None:  # `import a.b as c`: a module
            found = self.module_for(imp.module, path, language)
            return _Target(found, True) if found else None
        source = self.module_for(imp.module, path, language)
        if source is not None and source != module:
            target = self._attr(source, imp.name, depth + 1)
            if target is not None:
                return target
        sub = self.module_for(join_spec(imp.module, imp.name, language), path, language)
        return _Target(sub, True) if sub else None

    def _attr(self, module: str, name: str, depth: int = 0) -> _Target | None:
        """``module.name``: defined there, a submodule, or re-exported (imports, stars)."""
        if module.startswith(PACKAGE):  # a Go package: the top-level names of its files
            for sibling in sorted(self.by_dir.get(module[len(PACKAGE):], ())):
                if f"{sibling}.{name}" in self.kinds:
                    return _Target(f"{sibling}.{name}")
            return None
        qualified = f"{module}.{name}"
        if qualified in self.kinds:
            return _Target(qualified)
        if qualified in self.modules:
            return _Target(qualified, True)
        if depth > MAX_DEPTH:
            return None
        imp = self.imports.get(module, {}).get(name)
        if imp is not None and not imp.module:  # `export default X`: X as seen there
            return self._lookup(imp.name or "", module, module, depth + 1) \
                if imp.name != "default" else None
        if imp is not None:
            return self._imported(imp, module, depth)
        path = self.modules.get(module, "")
        language = self.language.get(module, "")
        for spec in self.stars.get(module, ()):
            source = self.module_for(spec, path, language)
            if source is not None and source != module:
                found = self._attr(source, name, depth + 1)
                if found is not None:
                    return found
        return None

    # -- names and expressions -----------------------------------------------------------
    def _lookup(self, name: str, scope: str, module: str, depth: int = 0) -> _Target | None:
        """A plain ``name`` as seen from ``scope`` (a qualified name inside ``module``)."""
        q: str | None = scope
        python = self.language.get(module) == "python"
        while q and len(q) >= len(module):
            candidate = f"{q}.{name}"
            # Python: a class body is no enclosing scope of the functions inside it
            if candidate in self.kinds and not (
                    python and q != scope and self._kind(q) in CONTAINER_KINDS):
                return _Target(candidate)
            q = q.rsplit(".", 1)[0] if "." in q else None
        if self.language.get(module) in PACKAGE_SCOPED:
            here = posixpath.dirname(self.modules.get(module, ""))
            for sibling in sorted(self.by_dir.get(here, ())):
                candidate = f"{sibling}.{name}"
                if candidate in self.kinds:
                    return _Target(candidate)
        return self._attr(module, name, depth)

    def _dotted(self, text: str, scope: str, module: str, depth: int = 0) -> _Target | None:
        """A dotted name (``pkg.sub.Client``, ``Outer.Inner``, ``np``) from ``scope``."""
        parts = text.split(".")
        table = self.imports.get(module, {})
        target: _Target | None = None
        used = 1
        for k in range(len(parts), 1, -1):  # `import a.b` binds "a.b" as written
            imp = table.get(".".join(parts[:k]))
            if imp is not None:
                target, used = self._imported(imp, module, depth), k
                break
        if target is None:
            target = self._lookup(parts[0], scope, module, depth)
        for part in parts[used:]:
            if target is None:
                return None
            if target.module:
                target = self._attr(target.name, part, depth + 1)
            else:
                found = self._member(target.name, part)
                target = _Target(found) if found else None
        return target

    def _type(self, text: str, scope: str, module: str, depth: int = 0) -> str | None:
        """The class a type expression names: an annotation (``Client``, ``m.Client``) or a
        call's result (``Client()``, ``make()`` with a declared return type,
        ``self.make()``)."""
        if depth > MAX_DEPTH:
            return None
        callee_text = called(text)
        if callee_text is None:
            owner_text, _, attr = text.rpartition(".")
            if owner_text.endswith(")"):  # `Type().attr`, `make().attr`: an attribute's type
                owner = self._type(owner_text, scope, module, depth + 1)
                return self._attr_type(owner, attr, depth + 1) if owner else None
            if not _SIMPLE.match(text):
                return None
            target = self._dotted(text, scope, module, depth + 1)
            return target.name if target is not None and not target.module and \
                self._kind(target.name) in CONTAINER_KINDS else None
        callee = self._callee(callee_text, scope, module, depth + 1)
        if callee is None:
            return None
        kind = self._kind(callee)
        if kind in CONTAINER_KINDS:
            return callee
        returns = self.types.get(callee, {}).get("->")
        if returns is None:
            return None
        owner = self.kinds[callee][1] or self.module_of.get(callee, module)
        return self._type(returns, owner, self.module_of.get(callee, module), depth + 1)

    def _callee(self, text: str, scope: str, module: str, depth: int) -> str | None:
        """The definition a callee expression (``f``, ``self.f``, ``m.C.f``) names."""
        receiver, _, name = text.rpartition(".")
        site = CallSite(scope, name, receiver or None, 0, 0)
        found = self._resolve(site, module, depth)
        return found[0] if found else None

    def _kind(self, qualified: str) -> str:
        info = self.kinds.get(qualified)
        return info[0] if info is not None else ""

    # -- types, members, MRO -------------------------------------------------------------
    def _enclosing_type(self, caller: str) -> str | None:
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

    def bases_of(self, type_q: str) -> list[str]:
        """The workspace types ``type_q``'s bases name, resolved in its module."""
        return self._bases(type_q)

    def _bases(self, type_q: str) -> list[str]:
        info = self.kinds.get(type_q)
        if info is None:
            return []
        module = self.module_of.get(type_q, "")
        scope = info[1] or module
        found = []
        for base in info[2]:
            target = self._dotted(base, scope, module)
            if target is not None and not target.module and target.name != type_q and \
                    self._kind(target.name) in CONTAINER_KINDS:
                found.append(target.name)
        return found

    def mro(self, type_q: str) -> list[str]:
        """``type_q`` and its workspace bases in method resolution order (C3; depth-first
        when the bases admit no linearization)."""
        cached = self._mro_cache.get(type_q)
        if cached is not None:
            return cached
        self._mro_cache[type_q] = [type_q]  # a cycle in the bases ends here
        bases = self._bases(type_q)
        order = c3(type_q, [list(self.mro(b)) for b in bases], bases)
        self._mro_cache[type_q] = order
        return order

    def _member(self, type_q: str, name: str, skip_self: bool = False) -> str | None:
        """The member ``name`` of a type as lookup finds it (its MRO)."""
        for owner in self.mro(type_q)[1 if skip_self else 0:]:
            qualified = f"{owner}.{name}"
            if qualified in self.kinds:
                return qualified
            module = self.module_of.get(owner)
            if module is not None and self.language.get(module) in PACKAGE_SCOPED:
                # Go: the method set spans the package's files (`func (s *T) M` anywhere)
                short = owner[len(module) + 1:]
                folder = posixpath.dirname(self.modules.get(module, ""))
                for sibling in sorted(self.by_dir.get(folder, ())):
                    if f"{sibling}.{short}.{name}" in self.kinds:
                        return f"{sibling}.{short}.{name}"
        return None

    def _attr_type(self, type_q: str, attr: str, depth: int) -> str | None:
        for owner in self.mro(type_q):
            text = self.types.get(owner, {}).get(attr)
            if text is not None:
                module = self.module_of.get(owner, "")
                return self._type(text, owner, module, depth + 1)
        return None

    def constructor(self, type_q: str) -> str | None:
        for name in CONSTRUCTORS:
            found = self._member(type_q, name)
            if found is not None:
                return found
        return None

    # -- resolution ----------------------------------------------------------------------
    def resolve(self, index: FileIndex, call: CallSite,
                imports: dict[str, Import] | None = None) -> list[Resolved]:
        """The callees of ``call`` in ``index``'s file: resolved edges (a constructor call
        gives the class and its constructor), else at most one guess by name."""
        if index.module not in self.imports and imports is not None:
            self.imports[index.module] = imports  # a file not added (a one-off parse)
            self.language.setdefault(index.module, index.language)
        found = self._resolve(call, index.module, 0)
        if found:
            out = [Resolved(found[0], "resolved")]
            if self._kind(found[0]) in CONTAINER_KINDS and not (
                    call.receiver or "").startswith("super("):
                ctor = self.constructor(found[0])
                if ctor is not None:
                    out.append(Resolved(ctor, "resolved"))
            return out
        return self._guess(call)

    def _resolve(self, call: CallSite, module: str, depth: int) -> list[str]:
        receiver = call.receiver
        if receiver is None:
            target = self._lookup(call.name, call.caller, module, depth)
            return [target.name] if target is not None and not target.module else []
        if receiver.startswith("super("):
            type_q = self._enclosing_type(call.caller)
            found = self._member(type_q, call.name, skip_self=True) if type_q else None
            return [found] if found else []
        if call.receiver_type is not None:
            type_q = self._type(call.receiver_type, call.caller, module, depth)
            if type_q is not None:
                found = self._member(type_q, call.name)
                return [found] if found else []
        head, _, rest = receiver.partition(".")
        if head in SELF:
            type_q = self._enclosing_type(call.caller)
            if type_q is None:
                return []
            if rest and "." not in rest and "(" not in rest:  # self.attr.method()
                type_q = self._attr_type(type_q, rest, depth)
                if type_q is None:
                    return []
            elif rest:
                type_q = self._type(receiver, call.caller, module, depth) \
                    if receiver.endswith(")") else None
                if type_q is None:
                    return []
            found = self._member(type_q, call.name)
            return [found] if found else []
        if receiver.endswith(")"):  # `Type(...).method()`, `make().method()`
            type_q = self._type(receiver, call.caller, module, depth)
            found = self._member(type_q, call.name) if type_q else None
            return [found] if found else []
        if not _SIMPLE.match(receiver):
            return []
        target = self._dotted(receiver, call.caller, module, depth)
        if target is None:
            return []
        if target.module:
            member = self._attr(target.name, call.name, depth)
            return [member.name] if member is not None and not member.module else []
        if self._kind(target.name) in CONTAINER_KINDS:  # `Type.method()`, `Type::new()`
            found = self._member(target.name, call.name)
            return [found] if found else []
        return []

    def _guess(self, call: CallSite) -> list[Resolved]:
        """One candidate by name, when the workspace defines the name exactly once and it
        is no builtin type's method name (``.join``, ``.send``, ``.get``)."""
        if call.name in COMMON_NAMES or call.name.startswith("__") or len(call.name) < 4:
            return []
        receiver = call.receiver
        if receiver is not None and (receiver.split(".")[0] in SELF or
                                     receiver.startswith("super(")):
            return []  # the enclosing type is known: a miss there is no reason to guess
        if call.receiver_type is not None and \
                self._type(call.receiver_type, call.caller, self.module_of.get(
                    call.caller, ""), 0) is not None:
            return []  # so is the receiver's
        candidates = (self.by_name if receiver is None else self.methods_by_name).get(
            call.name, ())
        if receiver is None and len(candidates) == 1 and \
                call.name not in self.methods_by_name:
            return [Resolved(candidates[0], "name")]
        if receiver is not None and len(candidates) == 1 and call.name not in self.by_name:
            return [Resolved(candidates[0], "name")]
        return []
