"""What makes two requests alike: keywords, file kinds and (when available) embeddings. Pure."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

_STOPWORDS_TEXT = """
a an the and or but if then else of to in on at by for with from into about as is are was were
be been being it its this that these those i me my we our you your he she they them their what
which who whom how why when where do does did done can could should would will shall may might
must not no yes please thanks thank just also so than too very some any all each every here there
new add adding make create write use using get set need want like one two file files code
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]+")
EMBED_WEIGHT, KEYWORD_WEIGHT, KIND_WEIGHT = 0.55, 0.35, 0.10


def stem(word: str) -> str:
    """A light suffix stripper: "migrations" ~ "migration", "entries" ~ "entry"."""
    w = word.lower()
    if len(w) > 5 and w.endswith("ies"):
        return w[:-3] + "y"
    for suffix in ("ing", "ed", "s"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix) and not w.endswith("ss"):
            return w[: -len(suffix)]
    return w


def keywords(text: str, limit: int = 24) -> list[str]:
    seen: dict[str, None] = {}
    for raw in _WORD.findall(text):
        for part in re.split(r"_|(?<=[a-z])(?=[A-Z])", raw):
            w = part.lower()
            if len(w) > 2 and w not in STOPWORDS:
                seen.setdefault(stem(w), None)
    return list(seen)[:limit]


def file_kinds(paths: Iterable[str | None]) -> list[str]:
    kinds = {PurePosixPath(p).suffix.lower() for p in paths if p}
    return sorted(k for k in kinds if k)


def jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def overlap(query: Sequence[str], pattern: Sequence[str]) -> float:
    """Share of the query's keywords the pattern has (a short request matches a long trigger)."""
    sq, sp = set(query), set(pattern)
    return len(sq & sp) / len(sq) if sq else 0.0


def cosine(a: Sequence[float] | None, b: Sequence[float] | None) -> float | None:
    if not a or not b or len(a) != len(b):
        return None
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else None


def similarity(query_words: Sequence[str], query_kinds: Sequence[str],
               query_vec: Sequence[float] | None, words: Sequence[str], kinds: Sequence[str],
               vec: Sequence[float] | None) -> float:
    """0..1. Keywords: the mean of Jaccard and query coverage; kinds count only when the
    request names a file; the embedding's cosine joins when both sides have one."""
    kw = (jaccard(query_words, words) + overlap(query_words, words)) / 2
    kind = jaccard(query_kinds, kinds) if query_kinds and kinds else None
    cos = cosine(query_vec, vec)
    parts = [(KEYWORD_WEIGHT, kw)]
    if kind is not None:
        parts.append((KIND_WEIGHT, kind))
    if cos is not None:
        parts.append((EMBED_WEIGHT, max(cos, 0.0)))
    total = sum(w for w, _ in parts)
    return sum(w * v for w, v in parts) / total


def plan_lines(response: str, limit: int = 8) -> list[str]:
    """The answer's own numbered or bulleted steps; else its first sentences."""
    steps = [m.group(1).strip() for m in re.finditer(
        r"^\s*(?:\d+[.)]|[-*])\s+(.+)$", response, re.MULTILINE)]
    steps = [s for s in steps if len(s) > 3]
    if steps:
        return [s[:160] for s in steps[:limit]]
    prose = re.sub(r"```.*?```", " ", response, flags=re.DOTALL)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", prose) if len(s.strip()) > 12]
    return [s[:160] for s in sentences[:3]]
