"""Concepts: identifiers split (snake/camel), docstring words and path segments, normalised
to stems so that "authentication", "authenticate" and "auth" meet."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from mira.core.code.model import Symbol

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_SEPARATORS = re.compile(r"[_\W\d]+")
_SUFFIXES = ("ications", "ication", "ations", "ation", "ements", "ement", "ments", "ment",
             "ators", "ator", "izing", "ized", "izes", "ize", "ings", "ing", "ers", "er", "ies",
             "ied", "ed", "es", "ate", "ion", "s")
ALIASES = {"auth": "authent", "authn": "authent", "authz": "authoriz", "db": "databas",
           "sql": "databas", "repo": "repositor", "cfg": "configur", "conf": "configur",
           "config": "configur", "msg": "messag", "req": "request", "resp": "respons",
           "res": "respons", "impl": "implement", "init": "initial", "util": "utilit",
           "utils": "utilit", "env": "environ", "fs": "file", "ctx": "context",
           "err": "error", "exc": "exception", "proc": "process", "tmp": "temp"}
_STOP_TEXT = """
a an and are as at be by for from has have if in into is it its of on or that the this to
was were will with which not no but can these those than then there their them they we you
your our us he she his her i me my do does did so such also any all each other only own
same some more most very just should would could may might must shall get set return
returns returned given using use used new self cls none true false args kwargs test tests
py ts js src lib main index value values data
"""
STOP = frozenset(_STOP_TEXT.split())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    word = word.lower()
    if word in ALIASES:
        return ALIASES[word]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[:-len(suffix)]
            break
    return ALIASES.get(word, word)


def split_identifier(name: str) -> list[str]:
    return list(_split(name))


@lru_cache(maxsize=65536)
def _split(name: str) -> tuple[str, ...]:
    parts: list[str] = []
    for chunk in _SEPARATORS.split(name):
        parts += [p for p in _CAMEL.sub(" ", chunk).split() if p]
    return tuple(p.lower() for p in parts)


@lru_cache(maxsize=65536)
def _term(word: str) -> str | None:
    if len(word) < 2 or word.lower() in STOP:
        return None
    s = stem(word)
    return s if len(s) >= 2 and s not in STOP else None


@lru_cache(maxsize=4096)
def _path_terms(path: str) -> str:
    segments = path.replace("\\", "/").split("/")
    segments[-1] = segments[-1].split(".")[0]
    return " ".join(terms(w for seg in segments for w in _split(seg)))


def terms(words: Iterable[str]) -> list[str]:
    found: dict[str, None] = {}
    for word in words:
        term = _term(word)
        if term is not None:
            found[term] = None
    return list(found)


def symbol_terms(symbol: Symbol) -> tuple[str, str, str]:
    """(name terms, path terms, docstring terms), space separated."""
    name = " ".join(terms(_split(symbol.name)))
    if not symbol.docstring:
        return name, _path_terms(symbol.path), ""
    doc_words = _WORD.findall(symbol.docstring)[:40]
    doc = terms(w for word in doc_words for w in _split(word))
    return name, _path_terms(symbol.path), " ".join(doc)


def query_terms(text: str) -> list[str]:
    return terms(w for word in _WORD.findall(text) for w in split_identifier(word))
