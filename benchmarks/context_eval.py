"""What the Context Oracle brings: recall of a commit's other files in the gathered context.

For held-out commits of a real history (the newest non-merge commits touching 2-30
files), the repository is checked out at the commit before the first held-out one and
indexed, so the oracle sees only earlier history. Each held-out commit is a question:
its subject, with its first changed file (that existed at the split) open. Recall is
the fraction of the commit's other changed files (that existed at the split) named in
the gathered context; tokens are the whole prompt's. Every preset runs in the same
process; the baseline "same directory" lists up to 10 files next to the open file.

The git, code and search indexes are built at the split, as ``mira context`` does before
gathering (``--keyword-only``: the search index without embeddings). ``code section`` is
the share of questions whose context has the Relevant Code section.

usage: python -m benchmarks.context_eval REPO [--commits 100] [--keyword-only] [--json]
(REPO is modified: a branch ``context-eval`` is checked out at the split point.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from mira.core.code.service import CodeService
from mira.core.config import MiraConfig
from mira.core.context.api import ContextRequest
from mira.core.context.presets import PRESETS
from mira.core.context.service import ContextService
from mira.core.semantic.service import SearchService
from mira.core.workspace import Workspace


@dataclass
class Case:
    oid: str
    subject: str
    files: list[str]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


def held_out(repo: Path, count: int) -> tuple[str, list[Case]]:
    """The newest ``count`` commits touching 2-30 files, oldest first, and the split point."""
    log = git(repo, "log", "--no-merges", "--no-renames", "--format=\x01%H\x02%s",
              "--name-only", "-n", str(count * 4))
    cases = []
    for block in log.split("\x01")[1:]:
        head, _, rest = block.partition("\n")
        oid, _, subject = head.partition("\x02")
        files = [f for f in rest.splitlines() if f.strip()]
        if 2 <= len(files) <= 30:
            cases.append(Case(oid, subject, files))
        if len(cases) == count:
            break
    cases.reverse()
    split = git(repo, "rev-parse", f"{cases[0].oid}^").strip()
    return split, cases


def same_directory(repo: Path, path: str, limit: int = 10) -> list[str]:
    folder = (repo / path).parent
    names = sorted(p.relative_to(repo).as_posix() for p in folder.iterdir()
                   if p.is_file() and p.name != Path(path).name)
    return names[:limit]


async def evaluate(repo: Path, count: int, keyword_only: bool = False) -> dict[str, object]:
    split, cases = held_out(repo, count)
    git(repo, "checkout", "-q", "-B", "context-eval", split)
    existing = set(git(repo, "ls-files").splitlines())
    ws = Workspace(repo, MiraConfig(semantic_enabled=not keyword_only))
    ws.open()
    started = time.perf_counter()
    ws.index_git()
    ws.service(CodeService).index()
    ws.service(SearchService).index()
    index_s = time.perf_counter() - started
    service = ws.service(ContextService)
    names = [*PRESETS, "auto"]
    recall: dict[str, list[float]] = {n: [] for n in [*names, "same directory"]}
    tokens: dict[str, list[int]] = {n: [] for n in names}
    with_code: dict[str, list[float]] = {n: [] for n in names}
    seconds: dict[str, float] = dict.fromkeys(names, 0.0)
    used = 0
    for case in cases:
        present = [f for f in case.files if f in existing]
        if len(present) < 2:
            continue
        open_file, expected = present[0], present[1:]
        used += 1
        for name in names:
            t0 = time.perf_counter()
            built = await service.build(ContextRequest(
                case.subject, "context-eval", path=repo / open_file, line=0,
                preset=None if name == "auto" else name))
            seconds[name] += time.perf_counter() - t0
            text = "\n".join(s.markdown for s in built.sections)
            recall[name].append(sum(f"`{f}`" in text for f in expected) / len(expected))
            tokens[name].append(built.tokens)
            with_code[name].append(float(any(s.source == "code_search"
                                              for s in built.sections)))
        baseline = set(same_directory(repo, open_file))
        recall["same directory"].append(sum(f in baseline for f in expected) / len(expected))
    await ws.close()
    return {
        "repository": str(repo), "held_out": len(cases), "cases": used,
        "index_seconds": round(index_s, 2),
        "presets": {n: {"recall": round(statistics.mean(recall[n]), 3),
                        "tokens_mean": round(statistics.mean(tokens[n])) if n in tokens else 0,
                        "code_section": round(statistics.mean(with_code[n]), 3)
                        if n in with_code else 0.0,
                        "ms_per_request": round(1000 * seconds[n] / used, 1)
                        if n in seconds else 0}
                    for n in recall},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--commits", type=int, default=100)
    parser.add_argument("--keyword-only", action="store_true",
                        help="search index without embeddings (no model time)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(evaluate(args.repo.resolve(), args.commits, args.keyword_only))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['repository']}: {result['cases']} cases of {result['held_out']} held out"
          f" (index {result['index_seconds']} s)")
    print(f"{'preset':16} {'recall':>7} {'tokens':>7} {'ms/req':>7} {'code':>5}")
    for name, row in result["presets"].items():  # type: ignore[attr-defined]
        print(f"{name:16} {row['recall']:7.3f} {row['tokens_mean']:7d}"
              f" {row['ms_per_request']:7.1f} {row['code_section']:5.2f}")


if __name__ == "__main__":
    main()
