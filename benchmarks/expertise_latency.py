"""Hover and CodeLens latency of expertise + blame (the core path of the handlers).

Cold = first hover in a file (one-line blame racing the whole-file blame, history
queried), as the hover handler runs it; warm = the same hover once the whole-file
blame is cached. Files are the ones with the most commits (300+ on a big repository),
the hardest case. Also times pygit2 blame against ``git blame --porcelain``.

usage: python -m benchmarks.expertise_latency REPO [--files 10] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pygit2

from benchmarks.cochange_latency import summary
from mira.core.config import MiraConfig
from mira.core.expertise.service import ExpertiseService
from mira.core.workspace import Workspace


def busiest_files(repo: Path, count: int) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "log", "--format=", "--name-only"],
                         capture_output=True, text=True, check=True).stdout.split()
    tracked = set(subprocess.run(["git", "-C", str(repo), "ls-files"], capture_output=True,
                                 text=True, check=True).stdout.split())
    ranked = [p for p, _ in Counter(out).most_common() if p in tracked and p.endswith(".py")]
    return ranked[:count]


def blame_comparison(repo: Path, path: str) -> dict[str, float]:
    started = time.perf_counter()
    subprocess.run(["git", "-C", str(repo), "blame", "--porcelain", "--", path],
                   capture_output=True, check=True)
    git_s = time.perf_counter() - started
    started = time.perf_counter()
    pygit2.Repository(str(repo)).blame(path)
    return {"git_blame_ms": round(git_s * 1000, 1),
            "pygit2_blame_ms": round((time.perf_counter() - started) * 1000, 1)}


def run(repo: Path, n_files: int) -> dict[str, object]:
    files = busiest_files(repo, n_files)
    with tempfile.TemporaryDirectory() as data:
        ws = Workspace(repo, MiraConfig(data_dir=data, nested_repo_depth=0))
        ws.open()
        ws.index_git()
        service = ws.service(ExpertiseService)

        async def measure() -> dict[str, object]:
            cold, warm, lens = [], [], []
            for path in files:
                full = repo / path
                line = len(full.read_text(errors="replace").splitlines()) // 2
                started = time.perf_counter()
                await asyncio.gather(service.blame_line(full, line),
                                     service.experts(full, line, 3))
                cold.append(time.perf_counter() - started)
                await service.blame_lines(full)  # let the background whole-file blame land
                for _ in range(5):
                    started = time.perf_counter()
                    await asyncio.gather(service.blame_line(full, line),
                                         service.experts(full, line, 3))
                    warm.append(time.perf_counter() - started)
                started = time.perf_counter()
                await service.experts(full, None, 10)
                lens.append(time.perf_counter() - started)
            await ws.close()
            return {"cold_hover": summary(cold), "warm_hover": summary(warm),
                    "code_lens_warm": summary(lens)}

        result = asyncio.run(measure())
    result["files"] = files
    result["blame"] = [blame_comparison(repo, p) for p in files[:3]]
    result["blame_ratio_pygit2_over_git"] = round(statistics.median(
        b["pygit2_blame_ms"] / b["git_blame_ms"] for b in result["blame"]), 1)  # type: ignore[attr-defined]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.repo, args.files), indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
