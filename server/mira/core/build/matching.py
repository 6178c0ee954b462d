"""Ranking past fixes for an error: skeleton words, error class, files, symbols, recency.

A pure module: the caller loads candidate commits (mined fix commits and recorded
resolutions) and this scores them. Inverse document frequency over the candidate
set keeps common words ("error", "test", "self") from dominating.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from mira.core.build.normalize import error_classes, skeleton, strip_ansi, words
from mira.core.build.parsers import parse_output

STOP = {"the", "and", "for", "not", "with", "from", "this", "that", "was", "are", "has",
        "have", "got", "but", "none", "true", "false", "self", "def", "return", "assert",
        "error", "errors", "test", "tests", "expected", "line", "file", "when", "into",
        "import", "where", "which", "should", "class", "can", "use", "used", "all", "any"}
_TRACE_FRAME = re.compile(r"^\s*(?:File \"([^\"]+)\", line \d+, in (\w+)|"
                          r"([^\s:]+\.\w+):\d+: in (\w+))")
_QUOTED = re.compile("['\"`\u2018]([A-Za-z_][\\w.]*)['\"`\u2019]")
_DEF = re.compile(r"^[ +-]?\s*(?:async\s+)?(?:def|class|fn|func|function)\s+([A-Za-z_]\w*)",
                  re.M)
_HUNK = re.compile(r"^@@ [^@]+ @@ ?(.*)$", re.M)


@dataclass
class Query:
    text: str
    skeleton_words: set[str]
    classes: set[str]
    files: set[str]  # file names (basename) and paths
    symbols: set[str]  # identifiers involved: test names, frames, quoted names


@dataclass
class Candidate:
    commit: str
    subject: str
    body: str
    author: str
    time: int
    files: list[str]
    diff: str
    fix_like: bool
    exact: bool = False  # a recorded resolution of the very same fingerprint
    msg_words: set[str] = field(default_factory=set)
    diff_words: set[str] = field(default_factory=set)
    diff_defs: set[str] = field(default_factory=set)

    def prepare(self) -> Candidate:
        self.msg_words = {w for w in words(self.subject + "\n" + self.body) if w not in STOP}
        changed = "\n".join(line for line in self.diff.splitlines()
                            if line.startswith(("+", "-", "@@")))
        self.diff_words = {w for w in words(changed) if w not in STOP}
        self.diff_defs = {m.lower() for m in _DEF.findall(changed)}
        self.diff_defs |= {w.lower() for h in _HUNK.findall(self.diff) for w in
                           re.findall(r"(?:def|class|fn|func|function)\s+(\w+)", h)}
        return self


def build_query(text: str, path: str | None = None) -> Query:
    clean = strip_ansi(text)
    parsed = parse_output(clean)
    messages = [p.message for p in parsed] or [_last_exception_line(clean)]
    skel = {w for m in messages for w in words(skeleton(m)) if w not in STOP}
    classes = {p.code for p in parsed if p.code} | error_classes(clean)
    files: set[str] = set()
    symbols: set[str] = set()
    for p in parsed:
        if p.path:
            files.add(p.path.replace("\\", "/"))
        if p.symbol:
            symbols.add(p.symbol.split("[")[0].lower())
        symbols |= {q.rsplit(".", 1)[-1].lower() for q in _QUOTED.findall(p.message)}
    for line in clean.splitlines()[:5000]:
        frame = _TRACE_FRAME.match(line)
        if frame:
            files.add((frame.group(1) or frame.group(3)).replace("\\", "/"))
            name = (frame.group(2) or frame.group(4)).lower()
            if name not in ("<module>", "module"):
                symbols.add(name)
    if not parsed:
        symbols |= {q.rsplit(".", 1)[-1].lower() for q in _QUOTED.findall(clean[:5000])}
    if path:
        files.add(path.replace("\\", "/"))
    return Query(clean, skel, classes, files, {s for s in symbols if len(s) > 2})


def _last_exception_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines[-200:]):
        if re.match(r"^(E\s+)?[\w.]*(Error|Exception)\b", line):
            return line.removeprefix("E").strip()
    return lines[-1] if lines else ""


def _basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _idf_overlap(query: set[str], target: set[str], idf: dict[str, float]) -> float:
    if not query:
        return 0.0
    total = sum(idf.get(w, 1.0) for w in query)
    hit = sum(idf.get(w, 1.0) for w in query if w in target)
    return hit / total if total else 0.0


# weights of the features (each in 0..1); see benchmarks/build_fixes/run.py
W_SYMBOLS, W_TEXT, W_FILES, W_CLASS, W_NEWEST, W_RECENCY, W_FIX = (
    0.28, 0.18, 0.14, 0.10, 0.20, 0.04, 0.06)
NEWEST_DEPTH = 5  # the newest commits touching the error's files that get the feature


def _size_factor(cand: Candidate) -> float:
    """Large commits (a move to src/, a feature drop) share words with any error: their
    word overlaps count less (1.0 up to 3 files, about 0.5 at 40 files)."""
    return 1.0 / (1.0 + 0.35 * math.log1p(max(len(cand.files) - 3, 0)))


def _touches(cand: Candidate, paths: set[str], names: set[str]) -> int:
    return sum(1 for f in cand.files if f in paths or any(p.endswith("/" + f) or
                                                          f.endswith("/" + p) for p in paths)
               or _basename(f) in names)


def score(query: Query, candidates: list[Candidate], now: float) -> list[tuple[float, Candidate]]:
    """(similarity in 0..1, candidate), best first.

    Features: the error's symbols and words in the commit (IDF-weighted, scaled down for
    large commits), the error's files among the commit's (cosine, so touching everything
    is not a match), the error class, being among the newest commits touching the error's
    files (what a developer checks first, and a strong baseline), recency, fix-like."""
    n = max(len(candidates), 1)
    df: dict[str, int] = {}
    for cand in candidates:
        for w in cand.msg_words | cand.diff_words:
            df[w] = df.get(w, 0) + 1
    idf = {w: math.log(1 + n / (1 + c)) for w, c in df.items()}
    unseen = math.log(1 + n)
    for w in query.skeleton_words | query.symbols:
        idf.setdefault(w, unseen)
    query_paths = {f.lstrip("./") for f in query.files
                   if "site-packages" not in f and "/lib/python" not in f}
    query_names = {_basename(f) for f in query_paths}
    classes_lower = {c.lower() for c in query.classes}
    touching = {id(c): _touches(c, query_paths, query_names) for c in candidates} \
        if query_names else {}
    newest = sorted((c for c in candidates if touching.get(id(c))), key=lambda c: -c.time)
    newest_rank = {id(c): i for i, c in enumerate(newest[:NEWEST_DEPTH])}
    scored = []
    for cand in candidates:
        size = _size_factor(cand)
        s_text = _idf_overlap(query.skeleton_words, cand.msg_words | cand.diff_words, idf)
        s_sym = max(_idf_overlap(query.symbols, cand.diff_words | cand.msg_words, idf),
                    1.0 if query.symbols & cand.diff_defs else 0.0)
        shared = touching.get(id(cand), 0)
        s_files = shared / math.sqrt(len(query_names) * max(len(cand.files), 1)) \
            if shared else 0.0
        in_msg = bool(classes_lower & cand.msg_words)
        in_diff = bool(classes_lower & cand.diff_words)
        s_class = 1.0 if in_msg else 0.5 if in_diff else 0.0
        rank = newest_rank.get(id(cand))
        s_newest = 1.0 / (1 + rank) if rank is not None else 0.0
        age_days = max(now - cand.time, 0) / 86_400
        recency = math.exp(-age_days / 365)
        value = (W_SYMBOLS * s_sym * size + W_TEXT * s_text * size + W_FILES * min(s_files, 1.0)
                 + W_CLASS * s_class + W_NEWEST * s_newest + W_RECENCY * recency
                 + W_FIX * (1.0 if cand.fix_like else 0.0))
        if cand.exact:
            value = max(value, 0.9 + 0.1 * value)
        scored.append((round(min(value, 1.0), 4), cand))
    scored.sort(key=lambda item: (-item[0], -item[1].time))
    return scored


def best_hunk(query: Query, diff: str, limit: int = 2_000) -> str:
    """The hunk of ``diff`` that shares most with the query (its file header included)."""
    hunks: list[tuple[str, str]] = []
    header = ""
    current: list[str] = []
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            if current:
                hunks.append((header, "\n".join(current)))
            header, current = line, []
        elif line.startswith("@@"):
            if current:
                hunks.append((header, "\n".join(current)))
            current = [line]
        elif current:
            current.append(line)
    if current:
        hunks.append((header, "\n".join(current)))
    if not hunks:
        return ""
    wanted = query.symbols | query.skeleton_words
    names = {_basename(f) for f in query.files}

    def rank(item: tuple[str, str]) -> float:
        head, body = item
        file_hit = 1.0 if any(head.endswith("/" + n) for n in names) else 0.0
        return len(wanted & words(body)) + 2 * file_hit - (0.5 if "test" in head else 0.0)

    head, body = max(hunks, key=rank)
    path = head.rsplit(" b/", 1)[-1] if head else ""
    text = (f"--- {path}\n" if path else "") + body
    return text[:limit]
