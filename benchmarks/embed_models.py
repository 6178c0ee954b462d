"""Embedding models side by side: chunks per second on the same texts, in one process.

The texts are a repository's code chunks as the search index cuts them (``shapes``), the
first N in file order. Each model embeds them in batches of 32 with 2 threads, MiniLM
first and last (the machine is shared: a ratio measured between two MiniLM runs is what
is reported). Quality on the search protocol is ``search_eval --model``.

usage: python -m benchmarks.embed_models REPO [--texts 256]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks.search_eval import MODELS
from mira.core.semantic.shapes import window_chunks


def texts_of(repo: Path, wanted: int) -> list[str]:
    out: list[str] = []
    for path in sorted(repo.rglob("*.py")):
        if ".git" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        out += [c.text for c in window_chunks(path.relative_to(repo).as_posix(), text)]
        if len(out) >= wanted:
            break
    return out[:wanted]


def rate(name: str, texts: list[str]) -> float:
    _, passage = MODELS[name]()
    passage.embed(texts[:4])  # load
    started = time.perf_counter()
    for start in range(0, len(texts), 32):
        passage.embed(texts[start:start + 32])
    return len(texts) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--texts", type=int, default=256)
    args = parser.parse_args()
    texts = texts_of(args.repo, args.texts)
    runs = [("minilm-int8", rate("minilm-int8", texts)),
            ("e5-small-q4", rate("e5-small-q4", texts)),
            ("minilm-int8", rate("minilm-int8", texts))]
    minilm = (runs[0][1] + runs[2][1]) / 2
    print(json.dumps({"texts": len(texts), "chunks_per_s": [(n, round(r, 1)) for n, r in runs],
                      "e5_vs_minilm": round(runs[1][1] / minilm, 2)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
