"""Structural, explainable design-pattern detection (no model involved).

Each detector adds up weighted pieces of evidence about a type (its name, methods,
fields, bases, constructor, implementations elsewhere) or a function; a detection
needs a confidence of at least ``THRESHOLD`` and reports every piece of evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mira.core.code.concepts import split_identifier
from mira.core.code.extract import type_name
from mira.core.code.model import PatternMatch, Symbol

if TYPE_CHECKING:
    from mira.core.code.resolve import Resolver

THRESHOLD = 0.5
TYPE_KINDS = frozenset({"class", "struct", "interface", "trait"})
_CTOR = frozenset({"__init__", "constructor", "new", "New"})
_ABSTRACT_BASES = frozenset({"ABC", "ABCMeta", "Protocol", "Interface"})


@dataclass
class TypeInfo:
    symbol: Symbol
    methods: list[Symbol] = field(default_factory=list)
    implementations: list[str] = field(default_factory=list)  # subtypes, by qualified name
    holders: list[str] = field(default_factory=list)  # "Client._transport", "Client.__init__(auth)"

    @property
    def name(self) -> str:
        return self.symbol.name

    @property
    def method_names(self) -> list[str]:
        return [m.name for m in self.methods]

    def ctor(self) -> Symbol | None:
        return next((m for m in self.methods if m.name in _CTOR), None)

    def ctor_params(self) -> list[str]:
        """The constructor's parameters (none without a constructor), ``self`` left out."""
        ctor = self.ctor()
        return _params(ctor.signature) if ctor is not None else []

    def fields_named(self, *names: str) -> list[str]:
        """Fields whose name, case and underscores aside, is one of ``names``."""
        return [f for f in self.symbol.fields if f.lower().strip("_") in names]

    @property
    def bases(self) -> list[str]:
        """Base names without their module (``abc.ABC`` -> ``ABC``)."""
        return [b.rsplit(".", 1)[-1] for b in self.symbol.bases]

    def abstract(self) -> bool:
        return self.symbol.kind in ("interface", "trait") or bool(
            _ABSTRACT_BASES & set(self.bases)) or "abstract" in self.symbol.signature


class _Evidence:
    def __init__(self) -> None:
        self.score = 0.0
        self.items: list[str] = []

    def add(self, weight: float, text: str) -> None:
        self.score += weight
        self.items.append(text)

    def named(self, t: TypeInfo, weight: float, *suffixes: str) -> bool:
        """The type's name ends with one of ``suffixes`` (``OrderFactory``): add it."""
        suffix = next((s for s in suffixes if t.name.endswith(s)), None)
        if suffix is not None:
            self.add(weight, f"name {t.name} ends with {suffix}")
        return suffix is not None


def _first_word(name: str) -> str:
    words = split_identifier(name)
    return words[0] if words else ""


def _params(signature: str) -> list[str]:
    inside = signature[signature.find("(") + 1:signature.rfind(")")] if "(" in signature else ""
    params = [p.strip() for p in re.split(r",(?![^\[(<]*[\])>])", inside) if p.strip()]
    return [p for p in params if p.split(":")[0].strip() not in ("self", "cls", "&self",
                                                                 "&mut self")]


def _param_type(param: str) -> str | None:
    """The type a parameter declares, by name without its module: ``inner: "pkg.Base"``
    (Python, TypeScript) or ``Base inner`` (Java, C#) or ``inner Base`` (Go)."""
    param = param.split("=", 1)[0].strip()
    if ":" in param:
        found = type_name(param.split(":", 1)[1])
    else:
        words = param.replace("*", " ").split()
        found = type_name(words[0]) if len(words) == 2 and words[0][:1].isupper() else \
            type_name(words[-1]) if len(words) == 2 else None
    return found.rsplit(".", 1)[-1] if found else None


def _static(method: Symbol) -> bool:
    sig = method.signature
    return "static" in sig or "@classmethod" in sig or "@staticmethod" in sig


def factory(t: TypeInfo) -> _Evidence:
    e = _Evidence()
    e.named(t, 0.4, "Factory")
    creators = [m for m in t.methods if _first_word(m.name) in ("create", "make", "new")
                and m.name not in _CTOR]
    if creators:
        e.add(min(0.3 + 0.1 * (len(creators) - 1), 0.5),
              "creation methods: " + ", ".join(m.name for m in creators))
        if any(_static(m) for m in creators):
            e.add(0.1, "creation method is static/class-level")
    return e


def builder(t: TypeInfo) -> _Evidence:
    e = _Evidence()
    e.named(t, 0.4, "Builder")
    if any(m.name in ("build", "Build") for m in t.methods):
        e.add(0.3, "has build()")
    setters = [m.name for m in t.methods if _first_word(m.name) in ("with", "set", "add")]
    if len(setters) >= 2:
        e.add(0.3, "step methods: " + ", ".join(setters))
    elif setters:
        e.add(0.15, f"step method: {setters[0]}")
    return e


def singleton(t: TypeInfo) -> _Evidence:
    e = _Evidence()
    holders = t.fields_named("instance", "inst", "shared", "singleton")
    if holders:
        e.add(0.35, f"instance field: {holders[0]}")
    getters = [m for m in t.methods if m.name.lower().replace("_", "") in (
        "getinstance", "instance", "shared", "sharedinstance", "default", "getdefault")]
    if getters:
        e.add(0.35 if any(_static(m) for m in getters) or t.symbol.language == "python"
              else 0.25, f"accessor: {getters[0].name}()")
    if "__new__" in t.method_names:
        e.add(0.2, "overrides __new__")
    ctor = t.ctor()
    if ctor is not None and ctor.signature.startswith("private"):
        e.add(0.3, "private constructor")
    return e


_CRUD = {"get", "find", "save", "add", "insert", "delete", "remove", "update", "list", "all",
         "count", "exists", "fetch", "store", "query", "upsert", "load", "create"}


def repository(t: TypeInfo) -> _Evidence:
    e = _Evidence()
    if re.search(r"(Repository|Repo|Dao|DAO|Store)$", t.name):
        e.add(0.4, f"name {t.name} names a repository")
    verbs = sorted({_first_word(m) for m in t.method_names} & _CRUD)
    if len(verbs) >= 3:
        e.add(0.4, "collection-like methods: " + ", ".join(verbs))
    elif len(verbs) == 2:
        e.add(0.2, "collection-like methods: " + ", ".join(verbs))
    return e


def observer(t: TypeInfo) -> _Evidence:
    e = _Evidence()
    names = t.method_names
    lowered = {n.lower().replace("_", ""): n for n in names}
    subscribe = [n for k, n in lowered.items() if k in (
        "subscribe", "attach", "addlistener", "addobserver", "on", "register", "addhandler",
        "addeventlistener", "addsubscriber", "listen")]
    notify = [n for k, n in lowered.items() if k.startswith(("notify", "emit", "publish", "fire",
                                                             "dispatch", "broadcast", "trigger"))]
    if subscribe:
        e.add(0.3, "registration: " + ", ".join(subscribe))
    if notify:
        e.add(0.3, "notification: " + ", ".join(notify))
    holders = t.fields_named("listeners", "observers", "subscribers", "handlers", "callbacks",
                             "watchers")
    if holders:
        e.add(0.2, f"keeps {holders[0]}")
    if any(k in ("unsubscribe", "detach", "removelistener", "removeobserver", "off")
           for k in lowered):
        e.add(0.1, "can unsubscribe")
    return e


_COMMAND_METHODS = ("execute", "run", "__call__", "do", "call", "invoke", "perform")


_NOT_STRATEGY = re.compile(r"(Error|Exception|Warning|Mixin|Base|Meta)$")


def strategy(t: TypeInfo) -> _Evidence:
    e = _Evidence()
    if (_NOT_STRATEGY.search(t.name) and not t.abstract()) or \
            re.search(r"(Error|Exception|Warning)$", t.name):
        return e  # an exception hierarchy or a mixin: no family of algorithms
    public = [m for m in t.methods if not m.name.startswith("_") and m.name not in _CTOR]
    if not public or not t.holders:
        # only data (an interface of properties), or nothing holds one to call: a type
        # hierarchy, not a family of algorithms a context swaps
        return e
    if t.abstract():
        e.add(0.3, f"{t.symbol.kind} {t.name} is abstract")
    else:
        e.named(t, 0.3, "Strategy", "Policy")
    if len(t.implementations) >= 2:
        e.add(0.3 if len(t.implementations) == 2 else 0.4,
              "interchangeable implementations: " + ", ".join(
                  q.rsplit(".", 1)[-1] for q in t.implementations[:6]))
    if 1 <= len(public) <= 3 and e.score:
        e.add(0.15, "small interface: " + ", ".join(m.name for m in public))
    if e.score:
        e.add(0.05, "held by " + ", ".join(t.holders[:3]))
    if public and all(m.name in _COMMAND_METHODS or m.name in ("undo", "redo") for m in public):
        e.score -= 0.3  # an execute()-only interface is a Command
    return e


def command(t: TypeInfo) -> _Evidence:
    e = _Evidence()
    e.named(t, 0.4, "Command", "Action")
    public = [m.name for m in t.methods if not m.name.startswith("_") or m.name == "__call__"]
    runs = [n for n in public if n in _COMMAND_METHODS]
    if runs:
        e.add(0.3, f"has {runs[0]}()")
        if "undo" in public:
            e.add(0.2, "has undo()")
        if t.abstract() and len(t.implementations) >= 2:
            e.add(0.3, "commands: " + ", ".join(q.rsplit(".", 1)[-1]
                                                for q in t.implementations[:6]))
    return e


def decorator(t: TypeInfo) -> _Evidence:
    e = _Evidence()
    e.named(t, 0.3, "Decorator")
    wrapped = t.fields_named("wrapped", "inner", "component", "delegate", "decorated",
                             "wrappee")
    param_types = [(p.split(":")[0].split("=")[0].strip(), _param_type(p))
                   for p in t.ctor_params()]
    # (base, the constructor parameter of that type)
    typed = [(b, name) for b in t.bases for name, kind in param_types if kind == b]
    if typed:
        e.add(0.5, f"extends {typed[0][0]} and its constructor takes a {typed[0][0]}"
                   f" ({typed[0][1]})")
    elif wrapped and t.bases:
        e.add(0.4, f"extends {t.bases[0]} and keeps {wrapped[0]}")
    return e


def adapter(t: TypeInfo) -> _Evidence:
    e = _Evidence()
    if not e.named(t, 0.4, "Adapter"):
        e.named(t, 0.2, "Wrapper")
    if t.bases:
        e.add(0.2, f"implements {t.bases[0]}")
    adaptee = t.fields_named("adaptee", "client", "wrapped", "delegate", "target", "legacy",
                             "api", "backend")
    foreign = [p for p in t.ctor_params() if _param_type(p) not in (None, *t.bases)]
    if adaptee:
        e.add(0.3, f"delegates to {adaptee[0]}")
    elif len(foreign) == 1 and t.bases:
        e.add(0.2, f"constructed from {foreign[0]}")
    return e


def facade(t: TypeInfo) -> _Evidence:
    e = _Evidence()
    e.named(t, 0.5, "Facade")
    typed = [p for p in t.ctor_params() if re.search(r"[:\s]\s*[A-Z]\w+", p)]
    if len(typed) >= 3:
        e.add(0.3, f"composes {len(typed)} subsystems: " + ", ".join(
            p.split(":")[0].strip() for p in typed[:5]))
    elif len(t.symbol.fields) >= 3 and e.score:
        e.add(0.2, "holds " + ", ".join(t.symbol.fields[:5]))
    return e


def iterator(t: TypeInfo) -> _Evidence:
    e = _Evidence()
    names = set(t.method_names)
    if {"__iter__", "__next__"} <= names:
        e.add(0.9, "__iter__ and __next__")
    elif {"hasNext", "next"} <= names:
        e.add(0.9, "hasNext() and next()")
    elif "next" in names and "[Symbol.iterator]" in names:
        e.add(0.9, "next() and [Symbol.iterator]()")
    else:
        if "next" in names or "__next__" in names or "Next" in names:
            e.add(0.3, "has next()")
        iterator_bases = [b for b in t.bases if b in ("Iterator", "IterableIterator",
                                                             "AsyncIterator")]
        if iterator_bases:
            e.add(0.4, f"implements {iterator_bases[0]}")
        e.named(t, 0.2, "Iterator")
    return e


DETECTORS: dict[str, Callable[[TypeInfo], _Evidence]] = {
    "Factory": factory, "Builder": builder, "Singleton": singleton, "Repository": repository,
    "Observer": observer, "Strategy": strategy, "Decorator": decorator, "Adapter": adapter,
    "Facade": facade, "Command": command, "Iterator": iterator,
}


def function_decorator(fn: Symbol, inner: Sequence[Symbol]) -> _Evidence:
    """A Python decorator function: returns an inner wrapper function."""
    e = _Evidence()
    wraps = [s for s in inner if "wraps(" in s.signature]
    named = [s for s in inner if s.name in ("wrapper", "wrapped", "inner", "decorated",
                                             "_wrapper")]
    if wraps:
        e.add(0.8, f"inner {wraps[0].name} uses functools.wraps")
    elif named:
        e.add(0.6, f"defines inner {named[0].name}()")
    return e


def holders_of(symbols: Sequence[Symbol]) -> dict[str, list[str]]:
    """Type name -> where a value of that type is held: class attributes
    (``Client._transport``) and annotated constructor parameters
    (``Client.__init__(transport)``): a context keeping one to call."""
    out: dict[str, list[str]] = {}
    for s in symbols:
        if s.kind in TYPE_KINDS:
            for entry in s.types:
                name, _, text = entry.partition(":")
                typed = type_name(text) if text and not text.endswith(")") else None
                if typed and not entry.startswith("->"):
                    out.setdefault(typed.rsplit(".", 1)[-1], []).append(f"{s.name}.{name}")
        elif s.kind == "method" and s.name in _CTOR and "(" in s.signature:
            owner = f"{s.parent.rsplit('.', 1)[-1]}." if s.parent else ""
            for param in _params(s.signature):
                typed = _param_type(param)
                if typed:
                    where = param.split(":")[0].split("=")[0].strip()
                    out.setdefault(typed, []).append(f"{owner}{s.name}({where})")
    return out


def detect(symbols: Sequence[Symbol], implementations: dict[str, list[str]],
           holders: dict[str, list[str]] | None = None) -> list[PatternMatch]:
    """Patterns among ``symbols`` (whole files); ``implementations``: a type's qualified
    name -> the qualified names of the types whose bases resolve to it (``subtypes``);
    ``holders``: type name -> where values of it are held (``holders_of`` the whole
    workspace; by default, of ``symbols``)."""
    if holders is None:
        holders = holders_of(symbols)
    types: dict[str, TypeInfo] = {}
    children: dict[str, list[Symbol]] = {}
    for s in symbols:
        if s.kind in TYPE_KINDS:
            types.setdefault(s.qualified_name, TypeInfo(s))
        if s.parent is not None:
            children.setdefault(s.parent, []).append(s)
    found: list[PatternMatch] = []
    for qualified, info in types.items():
        info.methods = [c for c in children.get(qualified, []) if c.kind in ("method",
                                                                             "function")]
        info.implementations = list(dict.fromkeys(
            q for q in implementations.get(qualified, []) if q != qualified))
        family = {qualified, *info.implementations}
        info.holders = [h for h in dict.fromkeys(holders.get(info.name, []))
                        if not any(h.startswith(q.rsplit(".", 1)[-1] + ".") for q in family)]
        for pattern, detector in DETECTORS.items():
            evidence = detector(info)
            if evidence.score >= THRESHOLD:
                found.append(PatternMatch(pattern, info.symbol, round(min(evidence.score, 0.95),
                                                                      2), evidence.items))
    for s in symbols:
        if s.kind == "function" and s.language == "python" and s.qualified_name in children:
            evidence = function_decorator(s, children[s.qualified_name])
            if evidence.score >= THRESHOLD:
                found.append(PatternMatch("Decorator", s, round(evidence.score, 2),
                                          evidence.items))
    found.sort(key=lambda m: (-m.confidence, m.symbol.path, m.symbol.start_line))
    return found


def subtypes(resolver: Resolver, types: Sequence[str]) -> dict[str, list[str]]:
    """Each type's direct subtypes among ``types``, by their bases as the resolver binds
    them (a base named ``A`` is the ``A`` its module sees, not every ``A``)."""
    out: dict[str, list[str]] = {}
    for qualified in types:
        for base in resolver.bases_of(qualified):
            out.setdefault(base, []).append(qualified)
    return out
