"""The secrets gate on real repositories: what it refuses and redacts (for spot-checking
false positives that would hide ordinary code), and what listing and reading cost.

Per repository: files git lists (``git ls-files --cached --others --exclude-standard``),
files the gate lists, files refused by name and by content (with the rule), files in which
tokens are redacted (by kind), the time to list (gate vs the bare ``git ls-files``, median
of ``--runs``) and to read + classify + redact every listed file.

    python benchmarks/gate_eval.py /path/to/repo [...] [--runs 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from mira.core import files, secrets


def _median_seconds(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def evaluate(root: Path, runs: int) -> dict[str, Any]:
    gate = files.Gate(root)

    def git_ls() -> list[bytes]:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached",
                              "--others", "--exclude-standard"], capture_output=True,
                             check=True).stdout
        return [p for p in out.split(b"\0") if p]

    git_files = files.candidates(root)
    listed = gate.list_files()
    t_git = _median_seconds(git_ls, runs)
    t_gate = _median_seconds(gate.list_files, runs)
    by_name = {rel: gate.secret_reason(rel) for rel in git_files if gate.is_secret(rel)}
    by_content: dict[str, str] = {}
    redacted: dict[str, list[str]] = {}
    statuses: Counter[str] = Counter()
    size = 0
    started = time.perf_counter()
    for rel in listed:
        read = gate.read(rel)
        statuses[read.status] += 1
        if read.status == "secret":
            by_content[rel] = read.reason
        elif read.text is not None:
            size += len(read.text)
            kinds = [f.kind for f in secrets.find(read.text)] if "[REDACTED:" in read.text \
                else []
            if kinds or "[REDACTED:" in read.text:
                redacted[rel] = sorted({k for k in _kinds(read.text)})
    t_read = time.perf_counter() - started
    return {
        "repository": root.name, "git_files": len(git_files), "gate_files": len(listed),
        "skipped_dirs": sum(1 for r in git_files if files.skipped(r)),
        "secret_by_name": by_name, "secret_by_content": by_content, "redacted": redacted,
        "statuses": dict(statuses), "git_ls_files_ms": round(t_git * 1000, 1),
        "gate_list_ms": round(t_gate * 1000, 1),
        "gate_over_git": round(t_gate / t_git, 2) if t_git else None,
        "read_classify_redact_s": round(t_read, 2),
        "mb_per_s": round(size / 1e6 / t_read, 1) if t_read else None,
    }


def _kinds(text: str) -> list[str]:
    import re

    return re.findall(r"\[REDACTED:([\w-]+)\]", text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = [evaluate(repo.resolve(), args.runs) for repo in args.repos]
    print("| repository | git files | gate lists | secret by name | by content | files with"
          " redactions | git ls-files ms | gate list ms | ratio | read+classify s | MB/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['repository']} | {r['git_files']} | {r['gate_files']} |"
              f" {len(r['secret_by_name'])} | {len(r['secret_by_content'])} |"
              f" {len(r['redacted'])} | {r['git_ls_files_ms']} | {r['gate_list_ms']} |"
              f" {r['gate_over_git']} | {r['read_classify_redact_s']} | {r['mb_per_s']} |")
    for r in results:
        print(f"\n{r['repository']}:")
        for label in ("secret_by_name", "secret_by_content", "redacted"):
            for rel, why in sorted(r[label].items()):
                print(f"  {label}: {rel} — {why}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
