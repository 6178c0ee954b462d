"""Small helpers of call resolution: the names a guess never takes, and parsing the texts
extraction stores (call expressions, ``types`` entries, import specs)."""

from __future__ import annotations

import builtins


def _builtin_method_names() -> frozenset[str]:
    """Method names of builtin types: a call ``x.join()`` of an unknown ``x`` is far more
    often ``str.join`` or ``Thread.join`` than the one ``join`` the workspace defines."""
    names: set[str] = set()
    for value in vars(builtins).values():
        if isinstance(value, type):
            names.update(n for n in dir(value) if not n.startswith("__"))
    names.update(("send", "throw", "close", "join", "start", "run", "get", "set", "put",
                  "read", "write", "flush", "open", "wait", "cancel", "result", "done",
                  "emit", "on", "then", "catch", "push", "pop", "map", "filter", "forEach",
                  "reduce", "toString", "call", "apply", "bind", "next", "main", "init",
                  "close", "dispose", "log", "debug", "info", "warn", "warning", "error"))
    return frozenset(names)


COMMON_NAMES = _builtin_method_names()


def called(text: str) -> str | None:
    """The callee of a call expression (``a.make(x).run`` of ``a.make(x).run(y)``)."""
    if not text.endswith(")"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            depth -= 1
            if depth == 0:
                return text[:i] or None
    return None


def parse_types(types: tuple[str, ...]) -> dict[str, str]:
    """``("x:Client", "->Response")`` -> ``{"x": "Client", "->": "Response"}``."""
    out: dict[str, str] = {}
    for entry in types:
        if entry.startswith("->"):
            out["->"] = entry[2:]
        else:
            name, _, text = entry.partition(":")
            out.setdefault(name, text)
    return out


def join_spec(module: str, name: str, language: str) -> str:
    """``module.name``; Python's ``from . import x`` gives ``.x``, not ``..x``."""
    if language == "python" and module.endswith("."):
        return module + name
    return f"{module}.{name}"


def c3(head: str, base_mros: list[list[str]], bases: list[str]) -> list[str]:
    """C3 linearization of ``head`` from its bases' MROs (Python's method resolution
    order); depth-first when the bases admit none."""
    seqs = [list(m) for m in base_mros] + [list(bases)]
    order = [head]
    while any(seqs):
        for seq in seqs:
            if seq and not any(seq[0] in other[1:] for other in seqs):
                first = seq[0]
                break
        else:  # inconsistent: fall back to depth-first
            rest = [q for seq in seqs for q in seq]
            order += [q for i, q in enumerate(rest) if q not in order and q not in rest[:i]]
            break
        order.append(first)
        for seq in seqs:
            if seq and seq[0] == first:
                seq.pop(0)
    return order
