"""Evidence beyond shared commits: naming conventions and directory proximity.

History alone misses pairs every developer knows: a module and its test, a module
and the docs page named after it. Those pairs are found by name, for every
language with a common convention (``tests/test_x.py`` / ``x.py``, ``x.test.ts`` /
``x.ts``, ``x_test.go`` / ``x.go``, ``docs/x.rst`` / ``x.py``). Directory
proximity is a mild prior: of two partners with the same history, the one next to
the file is the likelier one.

Pure functions over paths: no I/O, so the benchmark and the server share them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "t"})
DOC_DIRS = frozenset({"doc", "docs", "documentation", "website", "site"})
DOC_EXTS = frozenset({".md", ".rst", ".txt", ".adoc", ".mdx"})
CODE_EXTS = frozenset({
    ".py", ".pyi", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".go", ".rs",
    ".java", ".kt", ".scala", ".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".rb", ".php",
    ".swift", ".m", ".ex", ".exs", ".lua", ".vue", ".svelte"})
_FAMILIES = {".pyi": ".py", ".jsx": ".js", ".mjs": ".js", ".cjs": ".js", ".ts": ".js",
             ".tsx": ".js", ".mts": ".js", ".cts": ".js", ".vue": ".js", ".svelte": ".js",
             ".h": ".c", ".cc": ".c", ".cpp": ".c", ".hpp": ".c", ".m": ".c", ".kt": ".java",
             ".scala": ".java", ".exs": ".ex"}
# names so common that sharing one says nothing (a package's __init__ takes its folder's name)
PACKAGE_STEMS = frozenset({"__init__", "index", "mod", "lib", "main"})
GENERIC_KEYS = frozenset({
    "", "conftest", "setup", "readme", "changelog", "changes", "license", "utils", "util",
    "helpers", "helper", "common", "types", "test", "tests", "spec", "index", "main", "src",
    "lib", "mod", "__init__", "__main__", "config", "constants", "support"})
# beyond this many files with one key the name stops pointing anywhere in particular
MAX_SAME_KEY = 6

ITS_TEST = "its test"
TESTED_CODE = "the code it tests"
ITS_DOCS = "its documentation page"
DOCUMENTED_CODE = "the code it documents"
SAME_NAME = "same name"


@dataclass(frozen=True, slots=True)
class NamedFile:
    path: str
    key: str  # the module name the file is about
    kind: str  # code | test | doc
    family: str = ""  # language family of code and tests: a test is in its code's language


def _split_name(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    ext = "." + ext.lower()
    if stem.endswith(".d") and ext in (".ts", ".mts", ".cts"):  # x.d.ts declares x.ts
        stem = stem[:-2]
    return stem, ext


def classify(path: str) -> NamedFile | None:
    """The module key and kind of ``path``, or None for files no convention covers."""
    parts = path.split("/")
    dirs = [p.lower() for p in parts[:-1]]
    stem, ext = _split_name(parts[-1])
    if stem.endswith("Test") and stem[:-4][-1:].islower():  # FooTest.java
        stem = stem[:-4] + "_test"
    lowered = stem.lower()
    if ext in DOC_EXTS:
        if not any(d in DOC_DIRS for d in dirs):
            return None
        kind = "doc"
    elif ext in CODE_EXTS:
        kind = "test" if any(d in TEST_DIRS for d in dirs) else "code"
        for prefix in ("test_", "tests_"):
            if lowered.startswith(prefix):
                lowered, kind = lowered[len(prefix):], "test"
        for suffix in ("_test", "_tests", ".test", ".spec", "_spec", "-test", "-spec", ".tests"):
            if lowered.endswith(suffix):
                lowered, kind = lowered[:-len(suffix)], "test"
    else:
        return None
    if lowered in PACKAGE_STEMS and dirs:
        lowered = dirs[-1]  # pkg/__init__.py, pkg/index.ts, pkg/mod.rs are about "pkg"
    if lowered in GENERIC_KEYS:
        return None
    return NamedFile(path, lowered.lstrip("_"), kind, _FAMILIES.get(ext, ext))


def proximity(a: str, b: str) -> float:
    """1.0 in the same directory, falling with the directories that separate them."""
    da, db = a.split("/")[:-1], b.split("/")[:-1]
    if da == db:
        return 1.0
    common = 0
    for x, y in zip(da, db, strict=False):
        if x != y:
            break
        common += 1
    return common / max(len(da), len(db))


def _relation(query: NamedFile, other: NamedFile) -> str | None:
    if "doc" not in (query.kind, other.kind) and query.family != other.family:
        return None
    if query.kind == "code" and other.kind == "test":
        return ITS_TEST
    if query.kind == "test" and other.kind == "code":
        return TESTED_CODE
    if query.kind == "code" and other.kind == "doc":
        return ITS_DOCS
    if query.kind == "doc" and other.kind == "code":
        return DOCUMENTED_CODE
    if query.kind == other.kind == "code" and proximity(query.path, other.path) == 1.0:
        return SAME_NAME  # x.c / x.h, x.ts / x.d.ts
    return None


class NameIndex:
    """Files of one tree grouped by module key, for naming-convention partners."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._by_key: dict[str, list[NamedFile]] = defaultdict(list)
        for path in paths:
            named = classify(path)
            if named is not None:
                self._by_key[named.key].append(named)

    def partners(self, path: str) -> dict[str, str]:
        """Files related to ``path`` by a naming convention -> how they relate."""
        query = classify(path)
        if query is None:
            return {}
        group = self._by_key.get(query.key, ())
        if len(group) > MAX_SAME_KEY:
            return {}
        found: dict[str, str] = {}
        for other in group:
            if other.path == path:
                continue
            relation = _relation(query, other)
            if relation is not None:
                found[other.path] = relation
        return found
