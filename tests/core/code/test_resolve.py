"""Call resolution following the language: re-exports, constructors, super(), typed
receivers, and the rules for guesses (real extraction of small workspaces, no doubles)."""

from __future__ import annotations

from pathlib import Path

from mira.core.code.extract import extract
from mira.core.code.indexer import PythonModules
from mira.core.code.model import FileIndex
from mira.core.code.resolve import Resolver
from tests.support.code_repo import write_files

PY = {
    "pkg/__init__.py": "from ._client import Client\nfrom .models import *\n"
                       "from . import _sub as sub\n",
    "pkg/_client.py": (
        "from ._transport import Transport\nfrom .models import Request\n\n\n"
        "class Base:\n    def __init__(self, timeout=None):\n        self.timeout = timeout\n\n"
        "    def close(self):\n        pass\n\n    def send(self, request):\n        pass\n\n\n"
        "class Client(Base):\n    transport: Transport\n\n"
        "    def close(self):\n        super().close()\n\n"
        "    def request(self) -> Request:\n        return Request()\n"),
    "pkg/_transport.py": (
        "class Transport:\n    def handle(self, request):\n        pass\n\n\n"
        "class Pool:\n    def __init__(self, transport: 'Transport | None' = None):\n"
        "        self._transport = transport\n        self._spare = Transport()\n\n"
        "    def go(self):\n        self._transport.handle(1)\n        self._spare.handle(2)\n"),
    "pkg/models.py": (
        "__all__ = ['Request']\n\n\nclass Request:\n    def __new__(cls):\n"
        "        return object.__new__(cls)\n\n    def read(self):\n        pass\n\n"
        "    def frobnicate(self):\n        pass\n"),
    "pkg/_sub.py": "def helper():\n    pass\n",
    "app.py": (
        "import pkg\nimport pkg._transport as tr\nfrom pkg import Client, Request\n"
        "from typing import Optional\n\n\n"
        "def main(client: Optional[Client], r: 'Request'):\n"
        "    pkg.Client()\n    c = pkg.Client()\n    c.close()\n    client.send(1)\n"
        "    r.read()\n    tr.Pool().go()\n    with Client() as w:\n        w.close()\n"
        "    client.request().read()\n    x = client.request()\n    x.read()\n"
        "    pkg.sub.helper()\n    Request()\n\n\n"
        "def guesses(thing):\n    thing.frobnicate()\n    thing.join()\n    thing.read()\n"),
    "diamond.py": (
        "class A:\n    def hello(self):\n        pass\n\n\nclass B(A):\n    pass\n\n\n"
        "class C(A):\n    def hello(self):\n        pass\n\n\n"
        "class D(B, C):\n    def hello(self):\n        super().hello()\n"),
}


def index_all(files: dict[str, str], root: str = ".") -> tuple[Resolver, dict[str, FileIndex]]:
    resolver = Resolver()
    modules = PythonModules(root)
    indexes: dict[str, FileIndex] = {}
    for path, text in files.items():
        language = "python" if path.endswith(".py") else \
            "go" if path.endswith(".go") else "typescript"
        module = modules.module(path) if language == "python" else None
        index = extract(language, path, text.encode(), module=module)
        indexes[path] = index
        resolver.add_index(index)
    return resolver, indexes


def calls(resolver: Resolver, index: FileIndex, caller: str
          ) -> list[tuple[int, str, list[tuple[str, str]]]]:
    return [(c.line, c.name, [(r.callee, r.confidence) for r in resolver.resolve(index, c)])
            for c in index.calls if c.caller == caller]


def test_python_resolution_follows_the_language(tmp_path: Path) -> None:
    write_files(tmp_path, PY)
    resolver, indexes = index_all(PY, str(tmp_path))
    found = {name: edges for _, name, edges in calls(resolver, indexes["app.py"], "app.main")}
    ordered = calls(resolver, indexes["app.py"], "app.main")
    ctor = [("pkg._client.Client", "resolved"), ("pkg._client.Base.__init__", "resolved")]
    assert ordered[0][2] == ctor  # `pkg.Client()`: re-exported, inherited __init__
    assert ordered[1][2] == ctor
    assert found["close"] == [("pkg._client.Client.close", "resolved")]  # c = pkg.Client()
    assert found["send"] == [("pkg._client.Base.send", "resolved")]  # Optional[Client] param
    by_line = {(line, name): edges for line, name, edges in ordered}
    assert by_line[(11, "read")] == [("pkg.models.Request.read", "resolved")]  # 'Request'
    assert by_line[(12, "go")] == [("pkg._transport.Pool.go", "resolved")]  # import a.b as c
    assert by_line[(13, "Client")] == ctor
    assert by_line[(14, "close")] == [("pkg._client.Client.close", "resolved")]  # with ... as
    assert by_line[(15, "read")] == [("pkg.models.Request.read", "resolved")]  # -> Request
    assert by_line[(17, "read")] == [("pkg.models.Request.read", "resolved")]  # x = f()
    assert by_line[(18, "helper")] == [("pkg._sub.helper", "resolved")]  # module re-export
    assert by_line[(19, "Request")] == [("pkg.models.Request", "resolved"),  # star import
                                        ("pkg.models.Request.__new__", "resolved")]
    # self.attr: from a typed parameter and from `Transport()`
    pool = calls(resolver, indexes["pkg/_transport.py"], "pkg._transport.Pool.go")
    assert [e for _, _, e in pool] == [[("pkg._transport.Transport.handle", "resolved")]] * 2
    # super(): the base's method, not the class's own
    close = calls(resolver, indexes["pkg/_client.py"], "pkg._client.Client.close")
    assert close[0][2] == [("pkg._client.Base.close", "resolved")]
    # super() follows the MRO: D -> B -> C -> A
    hello = calls(resolver, indexes["diamond.py"], "diamond.D.hello")
    assert hello[0][2] == [("diamond.C.hello", "resolved")]


def test_guesses_are_single_rare_and_marked(tmp_path: Path) -> None:
    write_files(tmp_path, PY)
    resolver, indexes = index_all(PY, str(tmp_path))
    guessed = {name: edges for _, name, edges in calls(resolver, indexes["app.py"],
                                                       "app.guesses")}
    # one definition in the workspace: a guess, marked
    assert guessed["frobnicate"] == [("pkg.models.Request.frobnicate", "name")]
    assert guessed["join"] == []  # a builtin type's method name: `str.join`, `Thread.join`
    assert guessed["read"] == []  # the same


def test_base_extraction_and_typescript_constructors() -> None:
    index = extract("python", "r.py", b"import typing\n\n\n"
                    b"class Registry(typing.MutableMapping[str, str], metaclass=Meta):\n"
                    b"    pass\n")
    assert index.symbols[1].bases == ("typing.MutableMapping",)
    ts = {
        "src/index.ts": "export { Client } from './client';\nexport * from './util';\n",
        "src/client.ts": (
            "export class Base {\n  constructor(x: number) {}\n  close(): void {}\n}\n"
            "export class Client extends Base {\n  run(): void { this.close(); }\n}\n"),
        "src/util.ts": "export function helperThing(): void {}\n",
        "src/app.ts": (
            "import { Client, helperThing } from './index';\n"
            "function main(c: Client) {\n  const d = new Client(1);\n  d.close();\n"
            "  c.run();\n  helperThing();\n}\n"),
    }
    resolver, indexes = index_all(ts)
    found = calls(resolver, indexes["src/app.ts"], "src.app.main")
    assert [(name, edges) for _, name, edges in found] == [
        ("Client", [("src.client.Client", "resolved"),
                    ("src.client.Base.constructor", "resolved")]),
        ("close", [("src.client.Base.close", "resolved")]),
        ("run", [("src.client.Client.run", "resolved")]),
        ("helperThing", [("src.util.helperThing", "resolved")]),
    ]


def test_namespace_packages_and_attributes_of_typed_locals(tmp_path: Path) -> None:
    files = {
        "src/web/__init__.py": "",
        # sansio/ has no __init__.py: a namespace package, imported relatively
        "src/web/sansio/base.py": (
            "class Settings(dict):\n    def load_env(self, name):\n        pass\n\n\n"
            "class Scaffold:\n    def route(self, rule):\n        pass\n"),
        "src/web/app.py": (
            "from .sansio.base import Scaffold, Settings\n\n\n"
            "class App(Scaffold):\n    def __init__(self):\n"
            "        self.settings = self.make_settings()\n\n"
            "    def make_settings(self) -> Settings:\n        return Settings()\n"),
        "tests/test_app.py": (
            "from web.app import App\n\napp = App()\n\n\n"
            "@app.route('/')\ndef index():\n    app.settings.load_env('X')\n"),
    }
    write_files(tmp_path, files)
    resolver, indexes = index_all(files, str(tmp_path))
    found = [(name, edges) for _, name, edges in calls(
        resolver, indexes["tests/test_app.py"], "test_app.index")]
    # (a module in a namespace package is named from its directory: `base`)
    assert found == [("route", [("base.Scaffold.route", "resolved")]),
                     ("load_env", [("base.Settings.load_env", "resolved")])]


def test_go_package_qualified_calls() -> None:
    files = {
        "cmd/main.go": ('package main\n\nimport (\n\t"example.com/app/store"\n'
                        '\tfmt2 "example.com/app/util/format"\n)\n\n'
                        'func main() {\n\ts := store.Open()\n\ts.Put(fmt2.Key(1))\n}\n'),
        "store/store.go": ("package store\n\ntype Store struct{}\n\n"
                           "func Open() *Store { return &Store{} }\n"),
        "store/put.go": "package store\n\nfunc (s *Store) Put(k string) {}\n",
        "util/format/key.go": "package format\n\nfunc Key(n int) string { return \"\" }\n",
    }
    resolver, indexes = index_all(files)
    found = [(name, edges) for _, name, edges in calls(resolver, indexes["cmd/main.go"],
                                                        "cmd.main.main")]
    assert found == [("Open", [("store.store.Open", "resolved")]),
                     ("Put", [("store.put.Store.Put", "resolved")]),
                     ("Key", [("util.format.key.Key", "resolved")])]
