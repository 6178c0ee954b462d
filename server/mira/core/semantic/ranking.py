"""Ranking: field-weighted BM25, vector max-similarity per symbol, fusion and priors.

Why these parts (measured on whole repositories, benchmarks/search_eval.py):
- BM25 over fields: a query word in a symbol's name or path says more than the same word
  deep in a body; FTS5 weighs columns (name, path, signature + docstring, body).
  Identifiers are split (``parseConfig`` -> ``parse config``) on both sides.
- One result per symbol: a symbol has several windows (see ``shapes``); its rank in each
  list is its best window's (max-similarity for vectors), so one long function cannot
  fill the page.
- Priors: users look for implementation; tests, docs and vendored or generated code
  matched as often and crowded it out. They are weighted down unless the query asks for
  them ("test", "docs", ...).
- Signals from the other indexes (``Signals``): a symbol's fan-in in the call graph and
  how recently its file changed. Their weights were tuned on the tuning repository only
  (docs/benchmarks.md); a weight of 0 turns a signal off and skips its lookup.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mira.core.semantic.chunks import search_text

# bm25() column weights: name, path, head (signature + docstring), body
FIELD_WEIGHTS = (8.0, 2.0, 2.0, 1.0)
RRF_K = 10
KEYWORD_WEIGHT = 1.0
VECTOR_WEIGHT = 0.75  # tuned on the tuning repository (docs/benchmarks.md); was 3.0
CANDIDATES = 150  # chunks from each list (several windows per symbol)
MAX_QUERY_TERMS = 12  # the longest words of a long query (tuned on httpx; 0: all)
TEST_PRIOR = 0.4
DOC_PRIOR = 0.5
OTHERS_PRIOR = 0.7  # code when the query asks for tests or docs
MODULE_PRIOR = 0.85  # windows of module-level lines (no symbol)
VENDORED_PRIOR = 0.3
FAN_IN_WEIGHT = 0.0  # x (1 + w * ln(1 + distinct callers)); any weight > 0 lost on tuning
RECENCY_WEIGHT = 0.3  # x (1 + w / (1 + days since the file changed / RECENCY_DAYS))
RECENCY_DAYS = 180.0

_WORD = re.compile(r"[A-Za-z0-9_]+")
_STOPWORDS_TEXT = """
a an and are as at be by for from has have if in into is it its of on or that the this to
was were will with which not no but can these those than then there their them they we you
your our us he she his her i me my do does did so such also any all each other only own same
some more most very just should would could may might must shall return returns returned given
using use used where how what when why who whom
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
TEST_PATH = re.compile(r"(^|/)(tests?|testing|__tests__|spec)/|(^|/)(test_[^/]*|conftest\.py)$"
                       r"|_tests?\.[a-z]+$|\.(test|spec)\.[a-z]+$")
DOC_PATH = re.compile(r"(^|/)(docs?|documentation|examples?)/|\.(md|rst|txt|adoc)$"
                      r"|(^|/)(CHANGES|CHANGELOG|HISTORY|NEWS|README)[^/]*$", re.IGNORECASE)
VENDORED_PATH = re.compile(r"(^|/)(vendor|vendored|_vendor|third_party|node_modules)/"
                           r"|\.min\.(js|css)$|_pb2(_grpc)?\.py$|(^|/)generated/"
                           r"|\.generated\.[a-z]+$|(^|/)(package-lock\.json|yarn\.lock)$")
ASKS_TESTS = re.compile(r"\b(tests?|testing|tested|fixtures?|specs?|pytest|unittest)\b",
                        re.IGNORECASE)
ASKS_DOCS = re.compile(r"\b(docs?|documentation|documented|readme|changelog|examples?|guide|"
                       r"tutorial)\b", re.IGNORECASE)


def path_text(path: str | None) -> str:
    """A path's words for the keyword index (``src/http_client.py`` -> src http client py)."""
    return search_text(" ".join(re.split(r"[/._\-]+", path))) if path else ""


def name_text(symbol: str | None) -> str:
    return search_text(symbol.replace(".", " ")) if symbol else ""


def query_words(query: str) -> list[str]:
    words = [w.lower() for w in _WORD.findall(search_text(query))]
    return list(dict.fromkeys(w for w in words if w not in STOPWORDS and len(w) > 1))


def keyword_ids(conn: sqlite3.Connection, query: str, collections: Sequence[str],
                limit: int = CANDIDATES) -> list[int]:
    words = query_words(query)
    if not words or not collections:
        return []
    if MAX_QUERY_TERMS and len(words) > MAX_QUERY_TERMS:
        # a long query's OR of common words costs SQLite a scan of their long posting
        # lists (the p95 of keyword search at 70k chunks); longer words are the rarer ones
        keep = set(sorted(words, key=len, reverse=True)[:MAX_QUERY_TERMS])
        words = [w for w in words if w in keep]
    match = " OR ".join(f'"{w}"' for w in words)
    marks = ",".join("?" * len(collections))
    weights = ", ".join(str(w) for w in FIELD_WEIGHTS)
    try:
        rows = conn.execute(
            "SELECT s.id FROM semantic_fts f JOIN semantic_chunks s ON s.id = f.rowid"
            f" WHERE semantic_fts MATCH ? AND s.collection IN ({marks})"
            f" ORDER BY bm25(semantic_fts, {weights}) LIMIT ?", (match, *collections, limit))
        return [r[0] for r in rows]
    except sqlite3.OperationalError:
        return []


@dataclass(frozen=True)
class Row:
    id: int
    path: str | None
    start_line: int
    end_line: int
    symbol: str | None
    text: str
    collection: str
    commit: str | None
    session: str | None
    key: str
    kind: str | None

    @property
    def group(self) -> tuple[object, ...]:
        """Windows of one symbol share a group; anything else is its own."""
        if self.collection == "code" and self.symbol:
            return ("symbol", self.path, self.symbol)
        return ("chunk", self.id)


def load_rows(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, Row]:
    wanted = list(dict.fromkeys(ids))
    out: dict[int, Row] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        for r in conn.execute(
                "SELECT id, path, start_line, end_line, symbol, text, collection, commit_oid,"
                f" session_id, key, kind FROM semantic_chunks WHERE id IN"
                f" ({','.join('?' * len(part))})", part):
            out[r[0]] = Row(r[0], r[1], r[2] or 0, r[3] or 0, r[4], r[5], r[6], r[7], r[8],
                            r[9], r[10])
    return out


def prior(row: Row, query: str) -> float:
    """How much a kind of place is worth before any match (1.0: implementation code).

    A query that names tests or docs turns the prior around: then those are what the user
    is after, and everything else is weighted down instead."""
    if row.collection != "code" or not row.path:
        return 1.0
    weight = VENDORED_PRIOR if VENDORED_PATH.search(row.path) else 1.0
    is_test = bool(TEST_PATH.search(row.path))
    is_doc = not is_test and bool(DOC_PATH.search(row.path))
    if ASKS_TESTS.search(query):
        return weight * (1.0 if is_test else OTHERS_PRIOR)
    if ASKS_DOCS.search(query):
        return weight * (1.0 if is_doc else OTHERS_PRIOR)
    if is_test:
        return weight * TEST_PRIOR
    if is_doc:
        return weight * DOC_PRIOR
    return weight * (1.0 if row.symbol else MODULE_PRIOR)


@dataclass(frozen=True)
class Signals:
    """What the code and git indexes know of the candidates (empty: no index yet)."""
    callers: dict[str, int] = field(default_factory=dict)  # qualified symbol -> callers
    changed: dict[str, float] = field(default_factory=dict)  # path -> last change (epoch s)
    now: float = 0.0  # the newest indexed commit's time: ages depend on the index alone


def signal_prior(row: Row, signals: Signals | None) -> float:
    if signals is None or row.collection != "code":
        return 1.0
    factor = 1.0
    if FAN_IN_WEIGHT and row.symbol:
        factor *= 1.0 + FAN_IN_WEIGHT * math.log1p(signals.callers.get(row.symbol, 0))
    when = signals.changed.get(row.path or "")
    if RECENCY_WEIGHT and when is not None:
        days = max(0.0, signals.now - when) / 86400.0
        factor *= 1.0 + RECENCY_WEIGHT / (1.0 + days / RECENCY_DAYS)
    return factor


def fuse(lists: Sequence[tuple[Sequence[int], float]], rows: dict[int, Row], query: str,
         signals: Signals | None = None) -> list[tuple[float, Row]]:
    """Weighted reciprocal-rank fusion over groups (a group's rank is its best chunk's),
    times the priors; each group is shown by its best-scoring chunk."""
    scores: dict[tuple[object, ...], float] = {}
    best: dict[tuple[object, ...], tuple[float, Row]] = {}
    for ids, weight in lists:
        rank = 0
        seen: set[tuple[object, ...]] = set()
        for chunk_id in ids:
            row = rows.get(chunk_id)
            if row is None or row.group in seen:
                continue
            seen.add(row.group)
            gain = weight / (RRF_K + rank + 1)
            rank += 1
            scores[row.group] = scores.get(row.group, 0.0) + gain
            if row.group not in best or gain > best[row.group][0]:
                best[row.group] = (gain, row)
    ranked = [(score * prior(best[group][1], query) * signal_prior(best[group][1], signals),
               best[group][1]) for group, score in scores.items()]
    ranked.sort(key=lambda item: (-item[0], item[1].id))
    return ranked
