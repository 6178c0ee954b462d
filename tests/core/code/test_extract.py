"""Extraction of code elements, imports and call sites with the real grammars."""

from __future__ import annotations

import pytest

from mira.core.code.extract import extract, module_name
from mira.core.code.languages import REGISTRY, grammar, query, spec_for
from mira.core.code.model import FileIndex


def outline(index: FileIndex) -> list[tuple[str, str, str | None]]:
    return [(s.qualified_name, s.kind, s.parent) for s in index.symbols]


def calls(index: FileIndex) -> list[tuple[str, str, str | None]]:
    return [(c.caller, c.name, c.receiver) for c in index.calls]


@pytest.mark.parametrize("spec", REGISTRY, ids=[s.name for s in REGISTRY])
def test_every_registered_language_loads_its_query(spec: object) -> None:
    name = spec.name  # type: ignore[attr-defined]
    assert grammar(name) is not None and query(name).pattern_count > 0


def test_module_names() -> None:
    assert module_name("pkg/sub/mod.py") == "pkg.sub.mod"
    assert module_name("pkg/__init__.py") == "pkg"
    assert module_name("src/app.test.ts") == "src.app"
    assert spec_for("a/b.TSX").name == "tsx"  # type: ignore[union-attr]
    assert spec_for("README.md") is None


def test_python() -> None:
    source = b'''"""Module doc."""
import os.path
import numpy as np
from .models import User, Group as G


class Service(Base, metaclass=Meta):
    """Does things."""

    retries = 3

    @property
    def name(self) -> str:
        """The name."""
        return self._name

    def run(self, x):
        self.helper(x)
        os.path.join(x)
        def inner():
            return G()
        return inner()


def main():
    Service().run(1)
'''
    index = extract("python", "app/service.py", source)
    assert outline(index) == [
        ("app.service", "module", None),
        ("app.service.Service", "class", None),
        ("app.service.Service.name", "method", "app.service.Service"),
        ("app.service.Service.run", "method", "app.service.Service"),
        ("app.service.Service.run.inner", "function", "app.service.Service.run"),
        ("app.service.main", "function", None),
    ]
    service, name = index.symbols[1:3]
    assert service.bases == ("Base",) and service.fields == ("retries",)  # no metaclass
    assert service.docstring == "Does things." and service.signature == \
        "class Service(Base, metaclass=Meta)"
    assert (service.start_line, service.end_line) == (6, 21)
    assert (service.selection_start_line, service.selection_start_col) == (6, 6)
    assert name.signature == "@property def name(self) -> str" and name.docstring == "The name."
    assert name.start_line == 11  # decorators belong to the definition
    assert [(i.local, i.module, i.name) for i in index.imports] == [
        ("os.path", "os.path", None), ("np", "numpy", None), ("User", ".models", "User"),
        ("G", ".models", "Group")]
    assert calls(index) == [
        ("app.service.Service.run", "helper", "self"),
        ("app.service.Service.run", "join", "os.path"),
        ("app.service.Service.run.inner", "G", None),
        ("app.service.Service.run", "inner", None),
        ("app.service.main", "Service", None),
        ("app.service.main", "run", "Service()"),
    ]
    assert index.errors == 0


def test_typescript_and_tsx() -> None:
    source = b'''import { a as b } from "./util";
/** A shape. */
export interface Shape extends Base { area(): number; }
export enum Color { Red }
export abstract class Circle implements Shape {
  radius = 1;
  area(): number { return b(this.radius); }
}
export const double = (x: number) => x * 2;
function render() { return <div>{double(2)}</div>; }
'''
    ts = extract("tsx", "src/shapes.tsx", source)
    assert outline(ts) == [
        ("src.shapes", "module", None),
        ("src.shapes.Shape", "interface", None),
        ("src.shapes.Shape.area", "method", "src.shapes.Shape"),
        ("src.shapes.Color", "enum", None),
        ("src.shapes.Circle", "class", None),
        ("src.shapes.Circle.area", "method", "src.shapes.Circle"),
        ("src.shapes.double", "function", None),
        ("src.shapes.render", "function", None),
    ]
    assert ts.symbols[1].docstring == "A shape." and ts.symbols[1].bases == ("Base",)
    assert ts.symbols[4].bases == ("Shape",) and ts.symbols[4].fields == ("radius",)
    assert [(i.local, i.module, i.name) for i in ts.imports] == [("b", "./util", "a")]
    assert calls(ts) == [("src.shapes.Circle.area", "b", None),
                         ("src.shapes.render", "double", None)]


def test_javascript_rust_go_java_c_cpp() -> None:
    js = extract("javascript", "lib/x.js",
                 b"class A { m() { this.n(); } n() {} }\nfunction f() { new A().m(); }\n")
    assert outline(js)[1:] == [("lib.x.A", "class", None), ("lib.x.A.m", "method", "lib.x.A"),
                               ("lib.x.A.n", "method", "lib.x.A"), ("lib.x.f", "function", None)]
    rust = extract("rust", "src/lib.rs", b"""use crate::io::Reader;
/// A point.
pub struct Point { x: i32 }
pub trait Shape { fn area(&self) -> f64; }
impl Shape for Point { fn area(&self) -> f64 { self.norm(); helper() } }
mod inner { pub fn deep() {} }
fn helper() -> f64 { Point::new(); 1.0 }
""")
    assert outline(rust)[1:] == [
        ("src.lib.Point", "struct", None), ("src.lib.Shape", "trait", None),
        ("src.lib.Shape.area", "method", "src.lib.Shape"),
        ("src.lib.Point.area", "method", "src.lib.Point"),
        ("src.lib.inner", "module", None), ("src.lib.inner.deep", "function", "src.lib.inner"),
        ("src.lib.helper", "function", None)]
    assert rust.symbols[1].docstring == "A point." and rust.symbols[1].fields == ("x",)
    assert calls(rust) == [("src.lib.Point.area", "norm", "self"),
                           ("src.lib.Point.area", "helper", None),
                           ("src.lib.helper", "new", "Point")]
    go = extract("go", "cmd/main.go", b"""package main
import f "fmt"
type S struct { X int }
type I interface { Run() }
func (s *S) Run() { f.Println(1) }
""")
    assert outline(go)[1:] == [("cmd.main.S", "struct", None), ("cmd.main.I", "interface", None),
                               ("cmd.main.I.Run", "method", "cmd.main.I"),
                               ("cmd.main.S.Run", "method", "cmd.main.S")]
    assert [(i.local, i.module) for i in go.imports] == [("f", "fmt")]
    java = extract("java", "src/A.java", b"""import java.util.List;
class A extends B implements C { int x; A() {} void run() { this.go(); new A(); } }
""")
    assert outline(java)[1:] == [("src.A.A", "class", None), ("src.A.A.A", "method", "src.A.A"),
                                 ("src.A.A.run", "method", "src.A.A")]
    assert java.symbols[1].bases == ("B", "C")
    c = extract("c", "src/m.c", b"#include <stdio.h>\nstruct S { int x; };\n"
                                b"static int *f(int a) { return g(a); }\n"
                                b"int g(int b) { return b; }\n")
    assert outline(c)[1:] == [("src.m.S", "struct", None), ("src.m.f", "function", None),
                              ("src.m.g", "function", None)]
    cpp = extract("cpp", "src/a.cpp", b"namespace n { class A : public B { void run(); }; }\n"
                                      b"void A::run() { go(); }\n")
    assert outline(cpp)[1:] == [("src.a.n", "module", None), ("src.a.n.A", "class", "src.a.n"),
                                ("src.a.n.A.run", "method", "src.a.n.A"),
                                ("src.a.A.run", "method", "src.a.A")]


def test_syntax_errors_keep_what_parses() -> None:
    index = extract("python", "bad.py", b"def ok():\n    return 1\n\n\ndef broken(:\n    pass\n"
                                        b"\n\nclass Fine:\n    def m(self):\n        ok()\n")
    assert index.errors == 1
    assert {"bad.ok", "bad.Fine", "bad.Fine.m"} <= {s.qualified_name for s in index.symbols}
    assert ("bad.Fine.m", "ok", None) in calls(index)


def test_non_utf8_bytes() -> None:
    source = "# caf\xe9\ndef cafe():\n    \"\"\"cr\xe8me\"\"\"\n".encode("latin-1")
    index = extract("python", "latin.py", source)
    [fn] = [s for s in index.symbols if s.kind == "function"]
    assert (fn.name, fn.start_line, fn.docstring) == ("cafe", 1, "cr\ufffdme")


def test_a_syntax_error_does_not_turn_methods_into_functions() -> None:
    # (from CPython's test_compile.py: valid Python that tree-sitter cannot parse; the error
    # swallows the class around the methods after it)
    source = b'''class TestPositions:
    def test_one(self):
        pass

    def test_weird(self):
        def f():
            (bar.
        baz)
            (bar.
        baz(
        ))
        f()

    def test_two(self):
        pass
'''
    index = extract("python", "t.py", source)
    kinds = {s.name: s.kind for s in index.symbols[1:]}
    assert kinds == {"TestPositions": "class", "test_one": "method", "test_weird": "method",
                     "f": "function", "test_two": "method"}
