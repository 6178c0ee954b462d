"""Past-fix retrieval on real history: does Mira name the fix commit for its own failure?

For each fix commit of a real Python project with a ``src/`` layout (pallets/click,
python-attrs/attrs, pallets/flask) whose changed tests pass at the fix commit: check out
its parent, bring in the fix commit's test changes, run those tests to capture the REAL
failure output, then ask ``BuildService.fixes_for`` (indexed on the whole history, the
fix included) for past fixes. Success: the fix commit is in the top 5.
Baseline: the newest commits touching the files named in the failure output.

    python benchmarks/build_fixes/run.py --repo PATH_TO_A_CLICK_CLONE [--cases 25]
        [--python VENV/bin/python]   # the tests' interpreter: a throwaway venv with what
                                     # the repository's tests need (pytest, hypothesis, ...)

The clone is never modified: a scratch clone is made in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server"))

from mira.core.build.matching import build_query
from mira.core.build.service import BuildService
from mira.core.workspace import Workspace

FIX = re.compile(r"\b(fix(e[sd])?|bug|regression|crash|broken|wrong|correct)", re.I)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, errors="replace").stdout


def candidates(repo: Path, limit: int) -> list[tuple[str, str, list[str], list[str]]]:
    out = git(repo, "log", "--no-merges", "--format=%x00%H%x01%s", "--name-only", "HEAD")
    found = []
    for block in out.split("\x00")[1:]:
        head, _, names = block.partition("\n")
        oid, subject = head.split("\x01", 1)
        files = [n for n in names.split("\n") if n]
        tests = [f for f in files if f.startswith("tests/") and f.endswith(".py")
                 and "/test_" in f]
        code = [f for f in files if f.startswith("src/") and f.endswith(".py")]
        if FIX.search(subject) and tests and code:
            found.append((oid, subject, tests, code))
        if len(found) >= limit:
            break
    return found


PYTHON = sys.executable  # the tests' interpreter (--python)


def _pytest(scratch: Path, tests: list[str]) -> subprocess.CompletedProcess[str] | None:
    env = {**os.environ, "PYTHONPATH": str(scratch / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        return subprocess.run(
            [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio",
             "-p", "no:lsp", "-x", *tests], cwd=scratch, env=env, capture_output=True,
            text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None


def failure_output(scratch: Path, oid: str, tests: list[str]) -> str | None:
    """The parent's failure on the fix's tests, if the fix itself makes them pass."""
    git(scratch, "checkout", "-q", "-f", oid)
    git(scratch, "clean", "-qfdx")
    fixed = _pytest(scratch, tests)
    if fixed is None or fixed.returncode != 0:
        return None  # fails with the fix too (environment, flaky): not this fix's failure
    git(scratch, "checkout", "-q", "-f", f"{oid}^")
    git(scratch, "clean", "-qfdx")
    for test in tests:
        try:
            git(scratch, "checkout", "-q", oid, "--", test)
        except subprocess.CalledProcessError:
            return None
    proc = _pytest(scratch, tests)
    if proc is None or proc.returncode not in (1, 2):
        return None
    return proc.stdout + proc.stderr


def baseline(repo: Path, output: str, limit: int = 5) -> list[str]:
    files = sorted(build_query(output).files)
    names = [f for f in files if not f.startswith("/")]
    if not names:
        return []
    out = git(repo, "log", "--no-merges", "--format=%H", f"-{limit}", "HEAD", "--", *names)
    return out.split()


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True, type=Path)
    parser.add_argument("--cases", type=int, default=25)
    parser.add_argument("--scan", type=int, default=120, help="fix commits to try at most")
    parser.add_argument("--out", type=Path, default=None, help="write case details (JSON)")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter that runs the repository's tests")
    parser.add_argument("--failures", type=Path, default=None,
                        help="cache of captured failure outputs (JSON, by commit): a re-run"
                             " after a ranking change does not run the tests again")
    args = parser.parse_args()
    global PYTHON
    PYTHON = args.python
    work = Path(tempfile.mkdtemp(prefix="mira-bench-fixes-"))
    try:
        scratch = work / "scratch"
        index = work / "index"
        subprocess.run(["git", "clone", "-q", str(args.repo), str(scratch)], check=True)
        subprocess.run(["git", "clone", "-q", str(args.repo), str(index)], check=True)
        ws = Workspace(index)
        ws.open()
        service = ws.service(BuildService)
        started = time.perf_counter()
        mined = await service.mine_history()
        mine_s = time.perf_counter() - started
        cases = []
        captured: dict[str, str | None] = json.loads(args.failures.read_text()) \
            if args.failures and args.failures.exists() else {}
        for oid, subject, tests, _code in candidates(scratch, args.scan):
            if oid not in captured:
                captured[oid] = failure_output(scratch, oid, tests)
                if args.failures:
                    args.failures.write_text(json.dumps(captured))
            output = captured[oid]
            if output is None:
                continue
            started = time.perf_counter()
            fixes = await service.fixes_for(output, None, 5)
            query_s = time.perf_counter() - started
            ranked = [f.commit for f in fixes]
            base = baseline(index, output)
            cases.append({"commit": oid, "subject": subject, "tests": tests,
                          "rank": ranked.index(oid) + 1 if oid in ranked else None,
                          "baseline_rank": base.index(oid) + 1 if oid in base else None,
                          "query_s": round(query_s, 3),
                          "failure": [line for line in output.splitlines()
                                      if line.startswith(("FAILED", "ERROR"))][:3]})
            mark = cases[-1]["rank"] or "-"
            print(f"{oid[:10]} rank={mark} base={cases[-1]['baseline_rank'] or '-'} {subject}",
                  flush=True)
            if len(cases) >= args.cases:
                break
        await ws.close()
        hits = sum(1 for c in cases if c["rank"])
        base_hits = sum(1 for c in cases if c["baseline_rank"])
        top1 = sum(1 for c in cases if c["rank"] == 1)
        n = max(len(cases), 1)
        summary = {"cases": len(cases), "top5": hits, "top5_rate": round(hits / n, 3),
                   "top1_rate": round(top1 / n, 3), "baseline_top5": base_hits,
                   "baseline_top5_rate": round(base_hits / n, 3), "mined_commits": mined,
                   "mine_s": round(mine_s, 2),
                   "median_query_s": sorted(c["query_s"] for c in cases)[len(cases) // 2]
                   if cases else None,
                   "head": git(args.repo, "rev-parse", "HEAD").strip()}
        print(json.dumps(summary))
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps({"summary": summary, "cases": cases}, indent=1))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
