"""Recipes, reasoning patterns, the profile and memory relationships the way an editor meets
them on a real repository: ``mira serve`` over stdio, default settings, a fresh data
directory (``REPO/.mira`` is removed first). Opens a file, asks for code actions every
``--every`` seconds until a "New … like …" action appears (recipes are mined in the
background after the git index), then times ``mira/recipes``, ``mira/scaffold``,
``mira/reasoning``, ``mira/profile``, a ``mira/chat`` (no model configured: the
context-only answer) and ``mira/memoryRelations`` for the file, and reports errors the
server showed or logged, and its memory.

    python -m benchmarks.learning_session REPO --file testing/test_main.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any

from benchmarks.lsp_session import RequestError, Session, tree_rss_mb


async def run(repo: Path, rel: str, minutes: float, every: float, nice: int) -> dict[str, Any]:
    shutil.rmtree(repo / ".mira", ignore_errors=True)  # a fresh data directory, the default place
    out: dict[str, Any] = {"repo": repo.name, "file": rel}
    session = await Session.start(nice=nice)
    try:
        await session.initialize(repo, {})
        uri = session.open(repo / rel)
        deadline = time.monotonic() + minutes * 60
        actions: list[tuple[float, float, int]] = []  # (since start, seconds, "New" actions)
        rss: list[float] = []
        offered = None
        while time.monotonic() < deadline:
            took, found = await session.timed("textDocument/codeAction", {
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "context": {"diagnostics": []}})
            new = [a for a in found or [] if str(a.get("title", "")).startswith("New ")]
            actions.append((round(time.monotonic() - session.started, 1), round(took, 3), len(new)))
            rss.append(tree_rss_mb(session.proc.pid))
            if new:
                offered = new[0]
                break
            await asyncio.sleep(every)
        out["code_actions"] = actions
        out["offered"] = offered and offered["title"]
        took, recipes = await session.timed("mira/recipes", {"textDocument": {"uri": uri}})
        out["recipes"] = {"seconds": round(took, 3), "count": len(recipes["recipes"]),
                          "note": recipes.get("note")}
        if offered:
            args = offered["command"]["arguments"][0]
            took, made = await session.timed("mira/scaffold", {"recipe": args["recipe"],
                                                               "name": "session_probe",
                                                               "textDocument": {"uri": uri}})
            out["scaffold"] = {"seconds": round(took, 3),
                               "files": [c["path"] for c in made["changes"]]}
        warm = []
        for _ in range(5):
            took, _found = await session.timed("textDocument/codeAction", {
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "context": {"diagnostics": []}})
            warm.append(round(took, 3))
        out["code_action_warm_s"] = warm
        took, patterns = await session.timed("mira/reasoning", {"action": "list"})
        out["reasoning"] = {"seconds": round(took, 3), "patterns": len(patterns["patterns"]),
                            "from_recipes": sum(p["source"] == "recipe"
                                                for p in patterns["patterns"])}
        took, prof = await session.timed("mira/profile", {
            "action": "set", "category": "stack", "value": "uses pytest"})
        out["profile_set"] = {"seconds": round(took, 3), "facts": len(prof["facts"])}
        took, answer = await session.timed("mira/chat", {
            "message": "How do I add a new changelog entry? I prefer short answers.",
            "textDocument": {"uri": uri}})
        out["chat"] = {"seconds": round(took, 3), "operation": answer["operationId"]}
        took, related = await session.timed("mira/memoryRelations", {"textDocument": {"uri": uri}})
        out["memory_relations"] = {"seconds": round(took, 3), "messages": len(related["messages"]),
                                   "links": sorted({f"{ln['relation']} {ln['kind']}"
                                                    for m in related["messages"]
                                                    for ln in m["links"]})}
        await session.request("mira/profile", {"action": "forget", "key": "all"})
        # keep watching while the background indexes run: code actions and errors
        during: list[tuple[float, float]] = []
        while time.monotonic() < deadline:
            running = [t for t, v in session.progress.items()
                       if not any(x["kind"] == "end" for x in v)]
            if not running and session.progress:
                break
            took, _found = await session.timed("textDocument/codeAction", {
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "context": {"diagnostics": []}})
            during.append((round(time.monotonic() - session.started, 1), round(took, 3)))
            rss.append(tree_rss_mb(session.proc.pid))
            await asyncio.sleep(every)
        out["code_action_during_indexing"] = during
        out["watched_s"] = round(time.monotonic() - session.started, 1)
        out["rss_mb_max"] = round(max([*rss, tree_rss_mb(session.proc.pid)]), 1)
        out["errors"] = list(session.messages) + [
            str(p.get("message"))[:300] for _, method, p in session.notifications
            if method == "window/logMessage" and isinstance(p, dict) and p.get("type") == 1]
        out["phases"] = {k: {"end_s": round(v.get("last_end", 0) or 0, 1),
                             "message": v.get("end_message")}
                         for k, v in session.phases().items()}
    except RequestError as exc:
        out["request_error"] = str(exc)
    finally:
        out["exit"] = await session.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo", type=Path)
    ap.add_argument("--file", required=True, help="the file to open, relative to the repo")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--every", type=float, default=10.0)
    ap.add_argument("--nice", type=int, default=10)
    args = ap.parse_args(argv)
    result = asyncio.run(run(args.repo.resolve(), args.file, args.minutes, args.every, args.nice))
    print(json.dumps(result, indent=1))
    return 0 if not result.get("errors") and not result.get("request_error") else 1


if __name__ == "__main__":
    raise SystemExit(main())
