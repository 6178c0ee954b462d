"""Real-size run of ``mira serve`` as an editor drives it, from a fresh data directory.

Measures, on one repository: time from ``initialize`` to each phase done (``mira/status``
phases), request latencies (first hover per file, warm hover, codeLens, documentSymbol,
workspace/symbol, mira/cochange, mira/search, mira/chat without a model) grouped by the
phase running when they were sent, and the peak RSS of the server's process tree.

    python -m benchmarks.realsize REPO [--minutes 20] [--json out.json] [--no-semantic]

Bounded: stops after ``--minutes`` even if phases are still running (reported as such).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.lsp_session import RequestError, Session, tree_rss_mb

ORDER = ["git", "code", "fixes", "chunks", "code_embeddings", "commit_embeddings"]
DEF = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)")
QUERIES = ["fixture scope", "parse the command line", "assertion rewriting", "temporary dir",
           "capture output", "mark skip", "plugin hook", "config ini"]
CHAT = "What does this module do and what usually changes with it?"


def python_files(repo: Path, limit: int = 400) -> list[tuple[Path, int, int]]:
    """(path, line, column) of a definition name in up to ``limit`` Python files."""
    out = subprocess.run(["git", "-C", str(repo), "ls-files", "*.py"], capture_output=True,
                         text=True, check=True).stdout.split()
    random.Random(13).shuffle(out)
    found = []
    for rel in out:
        try:
            lines = (repo / rel).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines):
            match = DEF.match(line)
            if match:
                found.append((repo / rel, number, match.start(1) + 1))
                break
        if len(found) >= limit:
            break
    return found


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Run:
    def __init__(self, session: Session, repo: Path) -> None:
        self.s = session
        self.repo = repo
        self.samples: dict[str, dict[str, list[float]]] = {}
        self.errors: dict[str, int] = {}
        self.peak_rss = 0.0
        self.phase_status: dict[str, dict[str, Any]] = {}

    def record(self, phase: str, kind: str, seconds: float) -> None:
        self.samples.setdefault(phase, {}).setdefault(kind, []).append(seconds * 1000)

    async def timed(self, phase: str, kind: str, method: str, params: Any,
                    timeout: float = 120) -> Any:
        try:
            seconds, result = await self.s.timed(method, params, timeout)
        except (RequestError, TimeoutError) as exc:
            self.errors[f"{kind}: {exc}"[:120]] = self.errors.get(f"{kind}: {exc}"[:120], 0) + 1
            if isinstance(exc, TimeoutError):
                self.record(phase, kind, timeout)
            return None
        self.record(phase, kind, seconds)
        return result

    async def status(self) -> str:
        status = await self.s.request("mira/status", {}, timeout=120)
        phases = {p["name"]: p for ws in status["workspaces"] for p in ws.get("phases", [])}
        self.phase_status = phases
        running = [n for n in ORDER if phases.get(n, {}).get("state") == "running"]
        if running:
            return running[0]
        if all(p["state"] in ("done", "off", "failed") for p in phases.values()) and phases:
            return "after"
        return "waiting"

    async def round(self, phase: str, target: tuple[Path, int, int], chat: bool) -> None:
        path, line, col = target
        uri = self.s.open(path)
        doc = {"uri": uri}
        pos = {"line": line, "character": col}
        await self.timed(phase, "hover first", "textDocument/hover",
                         {"textDocument": doc, "position": pos})
        await self.timed(phase, "hover warm", "textDocument/hover",
                         {"textDocument": doc, "position": pos})
        await self.timed(phase, "codeLens", "textDocument/codeLens", {"textDocument": doc})
        await self.timed(phase, "documentSymbol", "textDocument/documentSymbol",
                         {"textDocument": doc})
        await self.timed(phase, "workspace/symbol", "workspace/symbol",
                         {"query": path.stem[:4]})
        await self.timed(phase, "mira/cochange", "mira/cochange", {"textDocument": doc})
        await self.timed(phase, "mira/search", "mira/search",
                         {"query": random.choice(QUERIES), "limit": 10})
        if chat:
            await self.timed(phase, "mira/chat (no model)", "mira/chat",
                             {"message": CHAT, "textDocument": doc})
        self.s.notify("textDocument/didClose", {"textDocument": doc})
        self.peak_rss = max(self.peak_rss, tree_rss_mb(self.s.proc.pid))


async def run(repo: Path, minutes: float, semantic: bool, after_rounds: int) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="mira-realsize-"))
    env = {"MIRA_SEMANTIC_ENABLED": "true" if semantic else "false",
           "MIRA_LOG_LEVEL": os.environ.get("MIRA_LOG_LEVEL", "WARNING")}
    session = await Session.start(env=env)
    started_wall = time.time()
    await session.initialize(repo, {"dataDir": str(data)})
    bench = Run(session, repo)
    targets = python_files(repo)
    deadline = time.monotonic() + minutes * 60
    rounds = after = 0
    phase = "waiting"
    while time.monotonic() < deadline and targets:
        phase = await bench.status()
        if phase == "after":
            after += 1
            if after > after_rounds:
                break
        target = targets[rounds % len(targets)]
        await bench.round(phase, target, chat=rounds % 3 == 0)
        rounds += 1
        await asyncio.sleep(0.2)
    await bench.status()
    bench.peak_rss = max(bench.peak_rss, tree_rss_mb(session.proc.pid))
    exit_code = await session.close()
    done_at = {name: (round(p["finishedAt"] - started_wall, 1)
                      if p.get("state") == "done" and p.get("finishedAt") else p.get("state"))
               for name, p in bench.phase_status.items()}
    latency = {ph: {kind: {"n": len(v), "p50": round(statistics.median(v), 1),
                           "p95": round(pct(v, 0.95) or 0, 1)}
                    for kind, v in kinds.items()}
               for ph, kinds in bench.samples.items()}
    return {"repo": str(repo), "semantic": semantic, "rounds": rounds,
            "phase_done_s": done_at,
            "phase_counts": {n: {k: v for k, v in p.items() if k in (
                "done", "total", "files", "symbols", "calls", "embedded", "commits", "error")}
                for n, p in bench.phase_status.items()},
            "peak_rss_mb": round(bench.peak_rss, 1), "latency_ms": latency,
            "errors": bench.errors, "server_exit": exit_code,
            "messages": session.messages}


def table(result: dict[str, Any]) -> str:
    kinds = ["hover first", "hover warm", "codeLens", "documentSymbol", "workspace/symbol",
             "mira/cochange", "mira/search", "mira/chat (no model)"]
    phases = [p for p in ["waiting", *ORDER, "after"] if p in result["latency_ms"]]
    lines = ["| request | " + " | ".join(phases) + " |", "|---" * (len(phases) + 1) + "|"]
    for kind in kinds:
        cells = []
        for ph in phases:
            v = result["latency_ms"][ph].get(kind)
            cells.append(f"{v['p50']:.0f} / {v['p95']:.0f} (n={v['n']})" if v else "-")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("repo", type=Path)
    ap.add_argument("--minutes", type=float, default=20)
    ap.add_argument("--after-rounds", type=int, default=20)
    ap.add_argument("--no-semantic", action="store_true")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    result = asyncio.run(run(a.repo.resolve(), a.minutes, not a.no_semantic, a.after_rounds))
    if a.json:
        a.json.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "latency_ms"}, indent=2))
    print("p50 / p95 ms by phase running when the request was sent")
    print(table(result))


if __name__ == "__main__":
    main()
