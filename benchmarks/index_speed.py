"""Full git-history index time of Mira against ``git log --numstat -M`` on the same repo.

Both are run alternately ``--repeat`` times in one process run; medians and their
ratio are reported (the ratio is the number to compare: this machine is noisy).

usage: python -m benchmarks.index_speed REPO [REPO...] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from mira.core.config import MiraConfig
from mira.core.workspace import Workspace


def time_git_log(repo: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["git", "-C", str(repo), "log", "--numstat", "-M", "--format=%H"],
                   stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def time_mira(repo: Path) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as data:
        started = time.perf_counter()
        ws = Workspace(repo, MiraConfig(data_dir=data, nested_repo_depth=0))
        ws.open()
        [result] = ws.index_git()
        return time.perf_counter() - started, result.added


def measure(repo: Path, repeat: int) -> dict[str, object]:
    git_times, mira_times, commits = [], [], 0
    for _ in range(repeat):
        git_times.append(time_git_log(repo))
        seconds, commits = time_mira(repo)
        mira_times.append(seconds)
    git_median, mira_median = statistics.median(git_times), statistics.median(mira_times)
    return {"repo": str(repo), "commits": commits, "git_log_s": round(git_median, 3),
            "mira_s": round(mira_median, 3), "ratio": round(mira_median / git_median, 3),
            "commits_per_s": round(commits / mira_median)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    for repo in args.repos:
        result = measure(repo, args.repeat)
        if args.json:
            print(json.dumps(result))
        else:
            print(f"{result['repo']}: {result['commits']} commits — git log {result['git_log_s']}"
                  f" s, mira {result['mira_s']} s, ratio {result['ratio']}"
                  f" ({result['commits_per_s']} commits/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
