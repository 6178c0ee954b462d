"""CodeService on real files: call resolution, incremental re-parsing, bad input,
per-file re-index, concepts, clusters, workspace symbols, the CLI."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import threading
from pathlib import Path

import pytest

from mira.core.code import indexer, store
from mira.core.code.extract import extract
from mira.core.code.fuzzy import FuzzyIndex, NameIndex
from mira.core.code.reparse import common_affixes
from mira.core.code.service import CodeService
from mira.core.config import MiraConfig
from mira.core.workspace import Workspace
from tests.support.code_repo import PACKAGE_ROOT_FILES, code_fixture, write_files
from tests.support.gitrepo import GitRepo


def workspace(root: Path, **config: object) -> tuple[Workspace, CodeService]:
    ws = Workspace(root, MiraConfig(**config))  # type: ignore[arg-type]
    ws.open()
    return ws, ws.service(CodeService)


def edges(found: list) -> list[tuple[str, str, str, int]]:  # type: ignore[type-arg]
    return [(e.caller.qualified_name, e.callee.qualified_name, e.confidence, e.depth)
            for e in found]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return code_fixture(tmp_path / "repo")


async def test_resolution_rules(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/base.py": "class Base:\n    def close(self):\n        pass\n",
        "pkg/impl.py": (
            "from .base import Base\nfrom . import util\nimport pkg.util as u\n\n\n"
            "class Impl(Base):\n"
            "    def run(self):\n        self.close()\n        util.tool()\n"
            "        u.tool()\n        local()\n        self.missing()\n\n\n"
            "def local():\n    len([])\n    common()\n    Impl().run()\n"),
        "pkg/util.py": "def tool():\n    pass\n",
        "a.py": "def common():\n    pass\n",
        "b.py": "def common():\n    pass\n",
        "c.py": "def common():\n    pass\n",
        "d.py": "def common():\n    pass\n",  # four definitions: too ambiguous to guess
        "e.py": "def only():\n    pass\n\n\ndef caller(x):\n    x.run()\n    only()\n",
    })
    _, service = workspace(tmp_path)
    service.index()
    assert edges(await service.callees("pkg.impl.Impl.run")) == [
        ("pkg.impl.Impl.run", "pkg.base.Base.close", "resolved", 1),  # inherited, self.
        ("pkg.impl.Impl.run", "pkg.util.tool", "resolved", 1),  # from . import module
        ("pkg.impl.Impl.run", "pkg.util.tool", "resolved", 1),  # import ... as alias
        ("pkg.impl.Impl.run", "pkg.impl.local", "resolved", 1),  # same file
    ]
    assert edges(await service.callees("pkg.impl.local")) == [
        ("pkg.impl.local", "pkg.impl.Impl", "resolved", 1),  # a constructor call
        ("pkg.impl.local", "pkg.impl.Impl.run", "resolved", 1)]  # `Impl().run()`
    # `x.run()` of an untyped `x`: no edge, and no guess either (`run` is a common name)
    assert edges(await service.callees("caller", guesses=True)) == [
        ("e.caller", "e.only", "resolved", 1)]
    # transitive callers, each once, with their depth
    assert edges(await service.callers("pkg.util.tool", depth=3)) == [
        ("pkg.impl.Impl.run", "pkg.util.tool", "resolved", 1),
        ("pkg.impl.Impl.run", "pkg.util.tool", "resolved", 1),
        ("pkg.impl.local", "pkg.impl.Impl.run", "resolved", 2),
        ("pkg.impl.Impl.run", "pkg.impl.local", "resolved", 3)]
    assert await service.callers("no.such.symbol") == []


async def test_symbol_at_and_a_fresh_event_loop_in_a_thread(repo: GitRepo) -> None:
    _, service = workspace(repo.root)
    service.index()
    path = repo.root / "shop/store.py"
    inner = await service.symbol_at(path, 4)
    assert inner is not None and inner.qualified_name == "shop.store.Store.save"
    outer = await service.symbol_at(path, 2)
    assert outer is not None and outer.qualified_name == "shop.store.Store"
    assert await service.symbol_at(path, 10) is None  # between definitions
    result: list[object] = []
    # the semantic layer calls document_symbols through asyncio.run from a worker thread
    thread = threading.Thread(target=lambda: result.append(
        asyncio.run(service.document_symbols(path, None))))
    thread.start()
    thread.join()
    assert [s.name for s in result[0]] == ["store", "Store", "save", "validate", "write_row"]


PY_UNIT = """# section {i}
@decorated
def f{i}(x):
    \"\"\"Doc {i}.\"\"\"
    return f{j}(x)


class C{i}(Base):
    field = {i}

    def m(self):
        self.other = 1
        return self.n()

"""
TS_UNIT = """// section {i}
/** Doc {i}. */
export function f{i}(x: number): number {{ return f{j}(x); }}
export class C{i} extends Base {{
  m(): void {{ this.n(); }}
}}
"""


@pytest.mark.parametrize(("language", "name", "unit", "inserts"), [
    ("python", "m.py", PY_UNIT, ["", "\nclass D:\n    def m(self): pass\n", "\u00e4(", "x = 1\n",
                                 "):", "\n\n", "    ", "# c\n", "def g():\n    pass\n"]),
    ("tsx", "m.tsx", TS_UNIT, ["", "\nclass D { m() {} }\n", "{", "}", "/* c */", "\n",
                               "function g() { return <div/>; }\n", "\u00e4("]),
])
async def test_incremental_reparse_matches_a_full_parse(
        tmp_path: Path, language: str, name: str, unit: str, inserts: list[str]) -> None:
    _, service = workspace(tmp_path)
    original = "".join(unit.format(i=i, j=i + 1) for i in range(40))
    for seed in range(3):
        rng = random.Random(seed)
        text = original
        service.update_buffer(tmp_path / name, text)
        for step in range(150):
            at = rng.randrange(len(text))
            cut = rng.choice([0, 0, 1, 3, 10, 40])
            text = text[:at] + rng.choice(inserts) + text[at + cut:]
            got = service.update_buffer(tmp_path / name, text)
            # the same tree extracted in full (with syntax errors, tree-sitter's incremental
            # error recovery may differ from a fresh parse's: that is not ours to check)
            tree = service.buffers.open[name].tree
            assert got == extract(language, name, text.encode(), tree).symbols, \
                f"seed {seed} step {step}"
        got = service.update_buffer(tmp_path / name, original)
        assert got == extract(language, name, original.encode()).symbols
        service.close_buffer(tmp_path / name)


def test_common_affixes() -> None:
    assert common_affixes(b"abcdef", b"abXdef") == (2, 3)
    assert common_affixes(b"aaa", b"aaaa") == (3, 0)
    assert common_affixes(b"", b"x") == (0, 0)


def test_bad_files_and_per_file_reindex(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "ok.py": "def ok():\n    pass\n",
        "broken.py": "def fine():\n    pass\n\n\ndef broken(:\n",
        "huge.py": "x = 1\n" * 20_000,
        "blob.py": b"\0\1binary" * 10,
        "min.js": "var a=1;" * 10_000,
        "latin.py": "# caf\xe9\ndef cafe():\n    pass\n".encode("latin-1"),
    })
    (tmp_path / "loop.py").symlink_to("loop.py")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub/up").symlink_to("..")  # a directory loop: never followed
    _, service = workspace(tmp_path, code_max_file_bytes=100_000)
    report = service.index()
    # the looping symlink never reaches the index: the gate lists no such file
    assert report.skipped == {"too_large": 1, "binary": 1, "minified": 1}
    assert report.parsed == 3
    status = service.status()
    assert status["files"] == 3 and status["tooLarge"] == ["huge.py"]
    assert "codeMaxFileBytes" in status["message"]

    # a second run parses nothing; a changed file is re-parsed alone; a deleted one goes
    assert service.index().parsed == 0
    write_files(tmp_path, {"ok.py": "def ok():\n    pass\n\n\ndef more():\n    ok()\n"})
    assert service.index_paths([tmp_path / "ok.py"]) == 1
    assert [s.name for s in service.symbols_sync(tmp_path / "ok.py", None)] == [
        "ok", "ok", "more"]
    (tmp_path / "broken.py").unlink()
    service.index_paths([tmp_path / "broken.py"])
    assert service.status()["files"] == 2
    write_files(tmp_path, {"huge.py": "def small():\n    pass\n"})
    assert service.index().parsed == 1 and "tooLarge" not in service.status()


def test_bulk_index_in_a_process_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, {f"m{i}.py": f"def step{i}():\n    step{(i + 1) % 10}()\n"
                     for i in range(10)})
    monkeypatch.setattr(indexer, "POOL_MIN_FILES", 2)
    monkeypatch.setattr(indexer, "CHUNK_FILES", 3)
    _, service = workspace(tmp_path, code_index_workers=2)
    seen: list[int] = []
    report = service.index(lambda done, total, _: seen.append(done))
    assert report.parsed == 10 and report.calls == 10 and seen[-1] == 10
    assert asyncio.run(service.callers("m3.step3")) == []  # not imported: a guess, hidden
    result = asyncio.run(service.callers("m3.step3", guesses=True))
    assert edges(result) == [("m2.step2", "m3.step3", "name", 1)]


async def test_concepts_workspace_symbols_and_clusters(repo: GitRepo) -> None:
    write_files(repo.root, {
        "auth/login.py": 'def authenticate_user(name):\n    """Check a password."""\n',
        "auth/tokens.py": "class TokenAuth:\n    pass\n"})
    _, service = workspace(repo.root)
    service.index()
    found = [s.qualified_name for s in await service.concepts("authentication", 10)]
    # auth/ has no __init__.py: its files are top-level modules
    assert set(found[:3]) == {"tokens.TokenAuth", "login.authenticate_user", "login"}
    assert [s.qualified_name for s in await service.concepts("passwords", 5)] == [
        "login.authenticate_user"]
    assert [s.name for s in await service.workspace_symbols("tokauth")] == ["TokenAuth"]
    clusters = service.clusters()
    assert {c["name"] for c in clusters} >= {"auth", "shop", "web"}
    web = next(c for c in clusters if c["name"] == "web")
    assert "order" in web["concepts"] and web["files"] == 2


def test_fuzzy_ranking() -> None:
    index = FuzzyIndex(["parse_config", "ParseConfig", "parser", "compare_files", "p", "xparse"])
    ranked = [index.names[i] for _, i in index.search("parse")]
    assert ranked[:2] == ["parser", "xparse"] or ranked[0] == "parser"
    assert [index.names[i] for _, i in index.search("pc")][:2] == ["ParseConfig",
                                                                   "parse_config"]
    assert index.search("zzz") == [] and index.search("") == []





async def test_go_and_java_see_their_package_without_imports(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "cmd/a.go": "package main\n\nfunc main() {\n\thelper()\n}\n",
        "cmd/b.go": "package main\n\nfunc helper() {}\n",
        "other/c.go": "package other\n\nfunc helper() {}\n",
        "src/com/x/App.java": "package com.x;\nclass App { void run() { new Util().go(); } }\n",
        "src/com/x/Util.java": "package com.x;\nclass Util { void go() {} }\n",
    })
    _, service = workspace(tmp_path)
    service.index()
    assert edges(await service.callees("cmd.a.main")) == [
        ("cmd.a.main", "cmd.b.helper", "resolved", 1)]
    assert edges(await service.callees("App.run")) == [
        ("src.com.x.App.App.run", "src.com.x.Util.Util", "resolved", 1),
        ("src.com.x.App.App.run", "src.com.x.Util.Util.go", "resolved", 1)]  # `new Util()`


async def test_a_call_resolves_when_its_callee_appears_later(repo: GitRepo) -> None:
    _, service = workspace(repo.root)
    repo.write("shop/refunds.py", "def refund(order):\n    return issue_credit(order)\n")
    service.index()
    assert await service.callees("shop.refunds.refund") == []  # nothing defines it yet
    repo.write("shop/credit.py", "def issue_credit(order):\n    return order\n")
    service.index_paths([repo.root / "shop/credit.py"])  # the watcher's view: one new file
    assert edges(await service.callers("issue_credit", guesses=True)) == [
        ("shop.refunds.refund", "shop.credit.issue_credit", "name", 1)]


async def test_python_modules_are_named_from_their_package_root(tmp_path: Path) -> None:
    write_files(tmp_path, PACKAGE_ROOT_FILES)
    _, service = workspace(tmp_path)
    service.index()
    names = [s.qualified_name for s in await service.document_symbols(
        tmp_path / "server/mira/core/chat/cache.py")]
    assert names == ["mira.core.chat.cache", "mira.core.chat.cache.cache_key"]
    assert edges(await service.callers("mira.core.chat.cache.cache_key")) == [
        ("mira.core.chat.service.ChatService.chat", "mira.core.chat.cache.cache_key",
         "resolved", 1)] * 3  # imported name, `from . import`, `from ..chat import as`
    assert edges(await service.callers("mira.core.chat.service.ChatService.chat")) == [
        ("mira.cli.main", "mira.core.chat.service.ChatService.chat", "resolved", 1)]
    assert edges(await service.callers("pkg.mod.helper")) == [
        ("pkg.sub.run", "pkg.mod.helper", "resolved", 1)]
    assert edges(await service.callees("tool.go")) == [
        ("tool.go", "thing.work", "resolved", 1)]
    # an open buffer and a file that is not indexed get the same names
    text = (tmp_path / "src/pkg/mod.py").read_text()
    assert [s.qualified_name for s in service.update_buffer(
        tmp_path / "src/pkg/mod.py", text + "\n\ndef more():\n    pass\n")] == [
        "pkg.mod", "pkg.mod.helper", "pkg.mod.more"]
    # a package appears: its files are renamed when re-indexed
    write_files(tmp_path, {"ns/__init__.py": ""})
    service.index_paths([tmp_path / "ns/__init__.py", tmp_path / "ns/thing.py"])
    assert [s.qualified_name for s in await service.document_symbols(
        tmp_path / "ns/thing.py")] == ["ns.thing", "ns.thing.work"]


def test_an_index_of_an_older_version_is_rebuilt(tmp_path: Path) -> None:
    write_files(tmp_path, PACKAGE_ROOT_FILES)
    ws, service = workspace(tmp_path)
    assert service.index().parsed == 11

    def older(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE code_meta SET value = '1' WHERE key = 'version'")
        conn.execute("UPDATE code_symbols SET qualified_name = 'server.' || qualified_name")
    ws.db.write(older)
    ws.db.close()
    _, fresh = workspace(tmp_path)
    assert fresh.index().parsed == 11  # every file, though none changed
    assert fresh.index().parsed == 0
    assert [s.qualified_name for s in store.find_symbols(fresh._conn(), "cache_key")] == [
        "mira.core.chat.cache.cache_key"]





async def test_reindex_writes_only_changes_and_matches_a_fresh_index(tmp_path: Path) -> None:
    base = ("import os\n\n\nclass A:\n    \"\"\"Keeps widgets.\"\"\"\n\n"
            "    def run(self):\n        self.stop()\n        return helper(os.sep)\n\n"
            "    def stop(self):\n        pass\n\n\ndef helper(x):\n    return A().run()\n")
    versions = [
        base,
        "# moved down\n" + base,  # every position shifts
        base.replace("Keeps widgets", "Holds gadgets"),  # a docstring (concepts) changes
        base.replace("    def stop(self):\n        pass\n\n", ""),  # a method goes
        base + "\n\ndef extra():\n    helper(1)\n",  # a function comes
        base.replace("import os\n", "import posixpath as os\n"),  # imports change
    ]
    write_files(tmp_path, {"m.py": versions[0], "other.py": "from m import helper\n\n\n"
                     "def use():\n    helper(2)\n"})
    _, service = workspace(tmp_path)
    service.index()
    conn = service._conn()

    def state(db: CodeService) -> tuple[object, ...]:
        c = db._conn()
        return (
            [(s.qualified_name, s.start_line, s.end_line, s.signature, s.docstring)
             for s in store.symbols_of(c, "m.py")],
            sorted(c.execute("SELECT caller, name, receiver, line, col, callee, confidence"
                             " FROM code_calls").fetchall()),
            c.execute("SELECT i.local, i.module, i.name, i.line FROM code_imports i"
                      " JOIN code_files f"
                      " ON f.id = i.file_id WHERE f.path = 'm.py'").fetchall(),
            sorted(c.execute("SELECT s.qualified_name, c.doc_terms FROM code_concepts c"
                             " JOIN code_symbols s ON s.id = c.rowid").fetchall()),
            c.execute("SELECT COUNT(*) FROM code_concepts").fetchone())

    for k, text in enumerate(versions[1:] + versions[:1]):
        (tmp_path / "m.py").write_text(text)
        service.index_paths([tmp_path / "m.py"])
        fresh_root = tmp_path.parent / f"fresh{k}"
        write_files(fresh_root, {"m.py": text, "other.py": (tmp_path / "other.py").read_text()})
        _, fresh = workspace(fresh_root)
        fresh.index()
        assert state(service) == state(fresh), k
    assert conn.execute("SELECT COUNT(*) FROM code_files").fetchone() == (2,)


def test_name_index_updated_per_file_matches_a_rebuilt_one() -> None:
    rng = random.Random(3)
    words = ["parse", "config", "write", "row", "store", "order", "handle", "x"]

    def name() -> str:
        return "_".join(rng.sample(words, rng.randint(1, 3)))

    files = {f: {f * 100 + k: name() for k in range(20)} for f in range(1, 30)}
    index = NameIndex((sid, n, f) for f, names in files.items() for sid, n in names.items())
    next_id = 10_000
    for step in range(60):
        f = rng.randint(1, 32)
        names = dict(files.get(f, {}))
        for sid in rng.sample(sorted(names), min(len(names), rng.randint(0, 5))):
            del names[sid]
        for _ in range(rng.randint(0, 5)):
            names[next_id] = name()
            next_id += 1
        if rng.random() < 0.1:
            names = {}
        files[f] = names
        index.update_file(f, names.items())
        rows = sorted((sid, n) for names in files.values() for sid, n in names.items())
        fresh = FuzzyIndex([n for _, n in rows])
        for query in ("parse", "row", "wr", "cfg", "x", "handle_order", "zz"):
            expected = [rows[i][0] for _, i in fresh.search(query, 15)]
            assert index.search(query, 15) == expected, (step, query)


async def test_workspace_symbols_follow_changed_files(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.py": "def alpha_one():\n    pass\n",
                           "b.py": "def beta():\n    pass\n"})
    _, service = workspace(tmp_path)
    service.index()
    assert [s.name for s in await service.workspace_symbols("alpha")] == ["alpha_one"]
    built = service._names
    write_files(tmp_path, {"a.py": "def alpha_two():\n    pass\n", "c.py": "def alphabet():\n"
                     "    pass\n"})
    service.index_paths([tmp_path / "a.py", tmp_path / "c.py"])
    assert [s.qualified_name for s in await service.workspace_symbols("alpha")] == [
        "c.alphabet", "a.alpha_two"]
    (tmp_path / "c.py").unlink()
    service.index_paths([tmp_path / "c.py"])
    assert [s.name for s in await service.workspace_symbols("alpha")] == ["alpha_two"]
    write_files(tmp_path, {"b.py": "def alpha_beta():\n    pass\n"})
    service.index()  # a bulk run that changes a few files
    assert [s.name for s in await service.workspace_symbols("alpha")] == [
        "alpha_two", "alpha_beta"]
    assert service._names is built  # updated, not rebuilt


def test_a_long_write_elsewhere_delays_the_index_instead_of_failing_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3
    import threading
    import time

    from mira.core.stores import database
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 100)  # each try gives up quickly
    write_files(tmp_path, {"a.py": "def one():\n    pass\n", "b.py": "from a import one\n\n\n"
                     "def two():\n    one()\n"})
    ws, service = workspace(tmp_path)
    service.index()  # creates the database
    (tmp_path / "a.py").write_text("def one():\n    return 1\n")
    holder = sqlite3.connect(ws.db_path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another writer (a git index) holds it for 1.5 s
    released = threading.Timer(1.5, lambda: holder.execute("COMMIT"))
    released.start()
    started = time.monotonic()
    try:
        report = service.index()
    finally:
        released.join()
        holder.close()
    assert report.parsed == 1 and time.monotonic() - started >= 1.0
    assert edges(asyncio.run(service.callers("a.one"))) == [("b.two", "a.one", "resolved", 1)]
