"""The language registry: adding a language is one line here plus ``queries/<query>.scm``
(which may append patterns shared with other grammars with a ``; also: <file>`` line).

Grammars come from the per-language PyPI packages (``tree-sitter-python``, ...), which
bundle compiled grammars: nothing downloads at run time.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tree_sitter import Language, Parser, Query

QUERIES = Path(__file__).resolve().parent / "queries"


@dataclass(frozen=True)
class LanguageSpec:
    name: str
    extensions: tuple[str, ...]
    module: str  # the grammar package
    function: str = "language"  # its function returning the grammar
    query: str = ""  # the query file's stem (default: ``name``)


REGISTRY = (
    LanguageSpec("python", (".py", ".pyi"), "tree_sitter_python"),
    LanguageSpec("typescript", (".ts", ".mts", ".cts"), "tree_sitter_typescript",
                 "language_typescript"),
    LanguageSpec("tsx", (".tsx",), "tree_sitter_typescript", "language_tsx", "typescript"),
    LanguageSpec("javascript", (".js", ".jsx", ".mjs", ".cjs"), "tree_sitter_javascript"),
    LanguageSpec("rust", (".rs",), "tree_sitter_rust"),
    LanguageSpec("go", (".go",), "tree_sitter_go"),
    LanguageSpec("java", (".java",), "tree_sitter_java"),
    LanguageSpec("c", (".c", ".h"), "tree_sitter_c"),
    LanguageSpec("cpp", (".cpp", ".cc", ".cxx", ".hpp", ".hh", ".hxx"), "tree_sitter_cpp"),
)
BY_EXTENSION = {ext: spec for spec in REGISTRY for ext in spec.extensions}
BY_NAME = {spec.name: spec for spec in REGISTRY}


def spec_for(path: str | Path) -> LanguageSpec | None:
    return BY_EXTENSION.get(Path(path).suffix.lower())


@cache
def grammar(name: str) -> Language:
    spec = BY_NAME[name]
    return Language(getattr(importlib.import_module(spec.module), spec.function)())


_ALSO = re.compile(r"^; also: *([\w-]+) *$", re.MULTILINE)


def query_source(stem: str) -> str:
    """``queries/<stem>.scm``, followed by each file its ``; also: <stem>`` lines name
    (patterns several grammars share, e.g. JavaScript's and TypeScript's imports)."""
    source = (QUERIES / f"{stem}.scm").read_text(encoding="utf-8")
    return "\n".join([source, *(query_source(also) for also in _ALSO.findall(source))])


@cache
def query(name: str) -> Query:
    spec = BY_NAME[name]
    return Query(grammar(name), query_source(spec.query or spec.name))


def parser(name: str) -> Parser:
    return Parser(grammar(name))
