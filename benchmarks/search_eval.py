"""Docstring -> function retrieval: keyword-only, vector-only and hybrid, in one run.

For functions with a docstring in a real code base (default: this Python's standard
library), the query is the first paragraph of the docstring and the target is the
function with its docstring removed from the indexed text. Reports MRR@10 for the
three modes, indexing throughput (chunks/s) and query latency.

usage: python -m benchmarks.search_eval [--root DIR] [--functions 400] [--json]
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from mira.core.config import MiraConfig
from mira.core.semantic.chunks import Chunk
from mira.core.semantic.service import SearchService
from mira.core.workspace import Workspace


def functions(root: Path, wanted: int, seed: int = 7) -> list[tuple[str, str, str]]:
    """(key, query, text without docstring) for functions with a real docstring."""
    found = []
    for path in sorted(root.glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        source = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            doc = ast.get_docstring(node)
            if not doc or len(doc.split("\n\n")[0]) < 30 or not node.body:
                continue
            first = node.body[0]
            body = source[node.lineno - 1:first.lineno - 1] + source[
                (first.end_lineno or first.lineno):(node.end_lineno or node.lineno)]
            query = " ".join(doc.split("\n\n")[0].split())
            found.append((f"{path.stem}.{node.name}:{node.lineno}", query, "\n".join(body)))
    random.Random(seed).shuffle(found)
    return found[:wanted]


def run(root: Path, wanted: int) -> dict[str, object]:
    cases = functions(root, wanted)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp), MiraConfig(data_dir=str(Path(tmp) / ".data")))
        ws.open()
        service = ws.service(SearchService)
        conn = sqlite3.connect(ws.db_path, isolation_level=None)
        ids = {}
        for key, _, text in cases:
            ids[key] = service._upsert_chunk(conn, "code", Chunk(
                f"code:{key}", key, key, "function", "python", 0, 0, text[:2000]))
        started = time.perf_counter()
        service._embed_pending(conn, "code", None, None)
        embed_seconds = time.perf_counter() - started
        conn.close()
        results: dict[str, object] = {"functions": len(cases),
                                      "chunks_per_s": round(len(cases) / embed_seconds, 1)}
        for mode in ("keyword", "vector", "hybrid"):
            reciprocal, latencies = [], []
            for key, query, _ in cases:
                started = time.perf_counter()
                hits = service.search_mode(query, 10, mode, ["code"])
                latencies.append(time.perf_counter() - started)
                ranks = [i for i, h in enumerate(hits, 1) if h.path == key]
                reciprocal.append(1 / ranks[0] if ranks else 0.0)
            results[mode] = {"mrr@10": round(statistics.mean(reciprocal), 3),
                             "p95_ms": round(sorted(latencies)[int(0.95 * len(latencies))]
                                             * 1000, 1)}
        asyncio.run(ws.close())
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--functions", type=int, default=400)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.root, args.functions), indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
