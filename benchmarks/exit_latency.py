"""How fast the server and its children end, started as an editor starts it, on a real
repository from a fresh data directory: stdin closed, the client process gone, SIGTERM, the
``exit`` notification — each while background work runs (after ``--after`` seconds).

    python -m benchmarks.exit_latency REPO [--after 60] [--semantic] [--json]

Prints, per way out: seconds from the event to the server's exit, its exit code, seconds until
every child it had is gone, the process tree's RSS at the event and the phase then reported.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.rawlsp import RawServer

from mira.core.processes import descendants, pid_alive

WAYS = ("stdin closed", "client gone", "SIGTERM", "exit without shutdown")


def tree_rss_mb(pid: int) -> int:
    total = 0
    for p in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{p}/status") as status:
                total += next(int(line.split()[1]) for line in status
                              if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total // 1024


def _last_progress(server: RawServer) -> str:
    for n in reversed(server.notifications):
        if n.get("method") == "$/progress":
            value = n["params"]["value"]
            return str(value.get("title") or value.get("message") or "")
    return ""


def measure(repo: Path, way: str, after: float, semantic: bool) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="mira-exit-"))
    client = subprocess.Popen(["sleep", "3600"])
    server = RawServer(data, MIRA_SEMANTIC_ENABLED=str(semantic).lower(),
                       MIRA_CLIENT_POLL_S="2.0")
    try:
        server.initialize(repo, {"dataDir": str(data / "data")}, process_id=client.pid)
        time.sleep(after)
        children = server.children()
        rss = tree_rss_mb(server.proc.pid)
        phase = _last_progress(server)
        started = time.monotonic()
        if way == "stdin closed":
            server.close_stdin()
        elif way == "client gone":
            client.kill()
            client.wait()
        elif way == "SIGTERM":
            server.proc.send_signal(signal.SIGTERM)
        else:
            server.notify("exit")
        try:
            code: int | None = server.wait_exit(60)
        except subprocess.TimeoutExpired:
            code = None
        exited = time.monotonic() - started
        while any(pid_alive(p) for p in children) and time.monotonic() - started < 60:
            time.sleep(0.05)
        gone = time.monotonic() - started
        return {"way": way, "exit_s": round(exited, 2), "code": code,
                "children": len(children), "children_gone_s": round(gone, 2),
                "rss_mb_at_event": rss, "working_on": phase}
    finally:
        client.kill()
        server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--after", type=float, default=60.0)
    parser.add_argument("--semantic", action="store_true", help="embeddings on (default off)")
    parser.add_argument("--way", action="append", choices=WAYS, help="only these (repeatable)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = [measure(args.repo.resolve(), way, args.after, args.semantic)
            for way in args.way or WAYS]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'way out':24} {'exit s':>7} {'code':>4} {'children':>8} {'gone s':>7} "
          f"{'RSS MB':>7}  working on")
    for r in rows:
        print(f"{r['way']:24} {r['exit_s']:7.2f} {r['code']!s:>4} {r['children']:8d} "
              f"{r['children_gone_s']:7.2f} {r['rss_mb_at_event']:7d}  {r['working_on']}")
    print(f"(pid {os.getpid()}; each run from a fresh data directory, event after "
          f"{args.after:.0f} s)")


if __name__ == "__main__":
    main()
