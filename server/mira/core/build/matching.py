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


def score(query: Query, candidates: list[Candidate], now: float) -> list[tuple[float, Candidate]]:
    """(similarity in 0..1, candidate), best first."""
    n = max(len(candidates), 1)
    df: dict[str, int] = {}
    for cand in candidates:
        for w in cand.msg_words | cand.diff_words:
            df[w] = df.get(w, 0) + 1
    idf = {w: math.log(1 + n / (1 + c)) for w, c in df.items()}
    unseen = math.log(1 + n)
    for w in query.skeleton_words | query.symbols:
        idf.setdefault(w, unseen)
    query_names = {_basename(f) for f in query.files}
    classes_lower = {c.lower() for c in query.classes}
    scored = []
    for cand in candidates:
        s_text = _idf_overlap(query.skeleton_words, cand.msg_words | cand.diff_words, idf)
        s_sym = max(_idf_overlap(query.symbols, cand.diff_words | cand.msg_words, idf),
                    1.0 if query.symbols & cand.diff_defs else 0.0)
        cand_names = {_basename(f) for f in cand.files}
        s_files = (len(query_names & cand_names) / len(query_names)) if query_names else 0.0
        in_msg = bool(classes_lower & cand.msg_words)
        in_diff = bool(classes_lower & cand.diff_words)
        s_class = 1.0 if in_msg else 0.5 if in_diff else 0.0
        age_days = max(now - cand.time, 0) / 86_400
        recency = math.exp(-age_days / 365)
        value = (0.34 * s_sym + 0.22 * s_text + 0.2 * s_files + 0.12 * s_class
                 + 0.06 * recency + 0.06 * (1.0 if cand.fix_like else 0.0))
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
