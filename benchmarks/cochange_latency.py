"""Latency of co-change answers: cold and warm queries, during a full index, and how
fast a new commit on HEAD becomes visible.

1. ``mira/cochange`` core query p50/p95 over files at HEAD, first (cold: not cached)
   and second time (warm: per-generation cache), on an indexed repository;
2. the same cold queries while a full index of another copy of the repository (its
   own database) runs in a worker thread of the same process (as the server does);
3. a commit is added to a clone; time from the ref change to a query that sees it
   (incremental index + query), excluding the watcher debounce.

usage: python -m benchmarks.cochange_latency REPO [--files 200] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from mira.core.config import MiraConfig
from mira.core.workspace import Workspace


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(values) * 1000, 2),
            "p95_ms": round(percentile(values, 95) * 1000, 2), "n": len(values)}


def tracked_files(repo: Path, count: int) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "ls-files"], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    random.Random(7).shuffle(out)
    return out[:count]


async def query_all(ws: Workspace, files: list[str]) -> list[float]:
    times = []
    for path in files:
        started = time.perf_counter()
        await ws.cochange(ws.root / path)
        times.append(time.perf_counter() - started)
    return times


def run(repo: Path, n_files: int) -> dict[str, object]:
    results: dict[str, object] = {"repo": str(repo)}
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
        ws = Workspace(clone, MiraConfig(data_dir=str(Path(tmp) / "data"), nested_repo_depth=0))
        ws.open()
        ws.index_git()
        files = tracked_files(clone, n_files)

        async def measure() -> None:
            results["cold"] = summary(await query_all(ws, files))
            results["warm"] = summary(await query_all(ws, files))
            ws.reader._cache.clear()

            copy = Path(tmp) / "copy"  # another copy of the repository, its own database
            subprocess.run(["git", "clone", "-q", "--no-checkout", str(repo), str(copy)],
                           check=True)
            other = Workspace(copy, MiraConfig(data_dir=str(Path(tmp) / "other"),
                                               nested_repo_depth=0))
            other.open()
            indexing = threading.Thread(target=other.index_git)
            indexing.start()
            await asyncio.sleep(0.3)
            during: list[float] = []
            while indexing.is_alive() and len(during) < len(files):
                during += await query_all(ws, files[len(during):len(during) + 10])
            indexing.join()
            results["cold_during_full_index"] = summary(during)

            visible = []
            for i in range(10):
                target = clone / files[i % len(files)]
                with target.open("a", encoding="utf-8", errors="surrogateescape") as handle:
                    handle.write(f"\n# benchmark change {i}\n")
                partner = clone / f"bench_partner_{i}.txt"
                partner.write_text("x\n")
                subprocess.run(["git", "-C", str(clone), "add", "-A"], check=True)
                subprocess.run(["git", "-C", str(clone), "-c", "user.name=B", "-c",
                                "user.email=b@x", "commit", "-q", "-m", f"bench {i}"], check=True)
                started = time.perf_counter()
                await asyncio.to_thread(ws.index_git)
                for repo_info in ws.repos:
                    ws.head_moved(repo_info)
                answer = await ws.cochange(target)
                elapsed = time.perf_counter() - started
                assert any(s.path == partner.name for s in answer.items), "commit not visible"
                visible.append(elapsed)
            results["new_commit_visible"] = summary(visible)
            await ws.close()
            await other.close()

        asyncio.run(measure())
        shutil.rmtree(clone, ignore_errors=True)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.repo, args.files)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
