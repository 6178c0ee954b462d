"""Search latency at real size: hybrid, keyword and vector p50/p95 over >= 50k code chunks.

The workspace holds the HEAD trees of several repositories side by side (one folder each),
chunked by ``SearchService.sync`` as the server does. Embedding 50k chunks takes hours on
this machine, so the vector store is filled from the search evaluation's embedding cache
(``search_eval --cache``): a chunk whose text was embedded there gets its real vector;
the others get the real vector of another cached chunk (reported as ``filled``). A query's
cost does not depend on which vectors the store holds, only on how many. Queries: the
written questions (``benchmarks/questions``) and sampled function names in plain words,
each embedded by the real model at query time (no cache), as a user's query is.

usage: python -m benchmarks.search_latency --repo DIR [--repo DIR ...] --cache FILE
       [--chunks 50000] [--queries 200]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from mira.core.config import MiraConfig
from mira.core.semantic.embedder import MiniLMEmbedder
from mira.core.semantic.service import SearchService
from mira.core.stores.database import Priority
from mira.core.workspace import Workspace

QUESTIONS = Path(__file__).parent / "questions"


def build_tree(repos: list[Path], dest: Path) -> None:
    for repo in repos:
        target = dest / repo.name
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(repo), "archive", "HEAD"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)


def fill_vectors(service: SearchService, cache: Path) -> dict[str, int]:
    """Every code chunk gets a vector: its own cached one, else another cached one."""
    embedder_id = service.embedder().id
    known = sqlite3.connect(cache)
    conn = service.ws.db.read()
    store = service.collections.store(conn, "code")
    assert store is not None
    pool = [np.frombuffer(v, dtype=np.float32) for (v,) in known.execute(
        "SELECT vector FROM v WHERE model = ? LIMIT 20000", (embedder_id,))]
    rows = conn.execute("SELECT id, text, path, symbol FROM semantic_chunks"
                        " WHERE collection = 'code'").fetchall()
    real = 0
    for start in range(0, len(rows), 500):
        part = rows[start:start + 500]
        vectors = []
        for i, (_, text, _, _) in enumerate(part):
            digest = hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()
            hit = known.execute("SELECT vector FROM v WHERE model = ? AND digest = ?",
                                (embedder_id, digest)).fetchone()
            real += hit is not None
            vectors.append(np.frombuffer(hit[0], dtype=np.float32) if hit is not None
                           else pool[(start + i) % len(pool)])
        store.upsert([r[0] for r in part], np.stack(vectors),
                     [{"path": r[2], "symbol": r[3], "collection": "code"} for r in part])
        ids = [(r[0],) for r in part]
        service.ws.db.write(lambda w, ids=ids: w.executemany(  # type: ignore[misc]
            "UPDATE semantic_chunks SET embedded = 1 WHERE id = ?", ids), Priority.EMBED)
    return {"chunks": len(rows), "real_vectors": real, "filled": len(rows) - real}


def queries(conn: sqlite3.Connection, wanted: int, seed: int = 7) -> list[str]:
    written = [item["q"] for path in sorted(QUESTIONS.glob("*.json"))
               for item in json.loads(path.read_text(encoding="utf-8"))]
    names = [r[0].rsplit(".", 1)[-1] for r in conn.execute(
        "SELECT DISTINCT symbol FROM semantic_chunks WHERE symbol IS NOT NULL")]
    names = [n.replace("_", " ").strip() for n in names if len(n) > 6]
    random.Random(seed).shuffle(names)
    return (written + names)[:wanted]


def measure(service: SearchService, texts: list[str], mode: str) -> dict[str, float]:
    service.search_mode(texts[0], 10, mode)  # warm: the model's first run, page cache
    took = []
    for text in texts:
        started = time.perf_counter()
        service.search_mode(text, 10, mode)
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return {"p50_ms": round(statistics.median(took), 1),
            "p95_ms": round(took[int(0.95 * (len(took) - 1))], 1),
            "max_ms": round(took[-1], 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, action="append", required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--chunks", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mira-search-latency-", dir=args.work) as tmp:
        root = Path(tmp) / "workspace"
        build_tree(args.repo, root)
        ws = Workspace(root, MiraConfig(data_dir=str(Path(tmp) / "data")))
        ws.open()
        service = ws.service(SearchService)
        service.collections.use_embedder(MiniLMEmbedder())  # queries: the real model
        started = time.perf_counter()
        report = service.sync()
        result: dict[str, object] = {"repositories": [r.name for r in args.repo],
                                     "sync_s": round(time.perf_counter() - started, 1),
                                     "files": report.files}
        result.update(fill_vectors(service, args.cache))
        if int(result["chunks"]) < args.chunks:  # type: ignore[call-overload]
            print(f"only {result['chunks']} chunks (wanted {args.chunks}): add repositories",
                  file=sys.stderr)
        texts = queries(ws.db.read(), args.queries)
        result["queries"] = len(texts)
        for mode in ("keyword", "vector", "hybrid"):
            result[mode] = measure(service, texts, mode)
        print(json.dumps(result, indent=2))
        asyncio.run(ws.close())
    return 0


if __name__ == "__main__":
    sys.exit(main())
