"""What Mira adds to a chat's latency, with the model's own time taken out.

The model is the scripted OpenAI-compatible test server (answers instantly), so
every millisecond measured is Mira's: gathering context per preset, the first
streamed text, a tool round trip, a cache hit. Questions are real: the subjects of
the repository's latest commits, asked with the commit's first changed file open.
With ``--llama URL`` it also times a real llama.cpp server (first text, total).

usage: python -m benchmarks.chat_latency REPO [--questions 30] [--llama URL] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.support.scripted_llm import ScriptedLLM

from benchmarks.cochange_latency import summary
from mira.core.chat.service import ChatRequest, ChatService, ChatSink
from mira.core.config import MiraConfig
from mira.core.context.api import ContextRequest
from mira.core.workspace import Workspace

PRESETS = ("minimal", "default", "full", "for_error")


def questions(repo: Path, count: int) -> list[tuple[str, str]]:
    """(subject, first changed file that still exists) of the latest commits."""
    out = subprocess.run(["git", "-C", str(repo), "log", "--format=%x00%s", "--name-only",
                          "-n", str(count * 4)], capture_output=True, text=True,
                         check=True).stdout
    found: list[tuple[str, str]] = []
    for block in out.split("\x00")[1:]:
        lines = [ln for ln in block.splitlines() if ln.strip()]
        files = [f for f in lines[1:] if (repo / f).is_file()]
        if lines and files:
            found.append((lines[0], files[0]))
        if len(found) >= count:
            break
    return found


async def _timed_chat(service: ChatService, request: ChatRequest) -> tuple[float, float]:
    """(seconds to the first text partial, seconds in all)."""
    start = time.perf_counter()
    first: list[float] = []

    def partial(value: dict[str, Any]) -> None:
        if value.get("kind") == "text" and not first:
            first.append(time.perf_counter() - start)

    await service.chat(request, ChatSink(partial))
    return first[0] if first else float("nan"), time.perf_counter() - start


async def measure(repo: Path, count: int, llama: str | None) -> dict[str, Any]:
    asked = questions(repo, count)
    results: dict[str, Any] = {"repo": str(repo), "questions": len(asked)}
    with tempfile.TemporaryDirectory() as data, ScriptedLLM([]) as llm:
        config = MiraConfig(data_dir=data, llm_base_url=llm.base_url, model="scripted",
                            memory_model_analysis=False, llm_cache_ttl_s=86_400)
        ws = Workspace(repo, config)
        ws.open()
        started = time.perf_counter()
        ws.index_git()
        results["git_index_s"] = round(time.perf_counter() - started, 2)
        service = ws.service(ChatService)
        provider = service.provider()
        for subject, path in asked[:2]:  # warm-up: lazy indexes, caches
            await provider.build(ContextRequest(subject, "warm", repo / path, 0))

        for preset in PRESETS:
            times = []
            for i, (subject, path) in enumerate(asked):
                t = time.perf_counter()
                await provider.build(ContextRequest(subject, f"ctx-{preset}-{i}", repo / path,
                                                    0, preset=preset))
                times.append(time.perf_counter() - t)
            results[f"context_{preset}"] = summary(times)

        firsts, totals, tool_totals, hits = [], [], [], []
        for i, (subject, path) in enumerate(asked):
            llm.script[:] = [{"text": "An answer in three chunks.", "chunks": 3}]
            llm._index = 0
            request = ChatRequest(subject, session_id=f"plain-{i}", path=repo / path, line=0)
            first, total = await _timed_chat(service, request)
            firsts.append(first)
            totals.append(total)
            llm.script[:] = [{"tool_calls": [{"name": "cochange", "arguments": json.dumps(
                {"path": path})}]}, {"text": "done"}]
            llm._index = 0
            _, tool_total = await _timed_chat(service, ChatRequest(
                subject + " (tools)", session_id=f"tool-{i}", path=repo / path, line=0))
            tool_totals.append(tool_total)
            # the same question, context and model again: answered from the cache
            _, hit = await _timed_chat(service, ChatRequest(
                subject, session_id=f"plain-{i}-again", path=repo / path, line=0))
            hits.append(hit)
        results["first_text"] = summary(firsts)
        results["chat_total"] = summary(totals)
        results["chat_with_one_tool_round"] = summary(tool_totals)
        results["cache_hit_total"] = summary(hits)
        results["cache_hit_rate"] = round((await service.budget()).cache_hit_rate, 3)
        await ws.close()

    if llama:
        with tempfile.TemporaryDirectory() as data:
            config = MiraConfig(data_dir=data, llm_base_url=llama, model="smollm2",
                                memory_model_analysis=False, chat_max_tool_rounds=0,
                                llm_cache_ttl_s=0, llm_timeout_s=600)
            ws = Workspace(repo, config)
            ws.open()
            service = ws.service(ChatService)
            firsts, totals = [], []
            for i, (subject, path) in enumerate(asked[:5]):
                first, total = await _timed_chat(service, ChatRequest(
                    subject, session_id=f"llama-{i}", path=repo / path, line=0,
                    preset="minimal"))
                firsts.append(first)
                totals.append(total)
            results["llama_first_text"] = summary(firsts)
            results["llama_total"] = summary(totals)
            await ws.close()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--llama", help="base URL of a running llama.cpp server (…/v1)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = asyncio.run(measure(args.repo.resolve(), args.questions, args.llama))
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
        return 0
    for key, value in results.items():
        print(f"{key:32} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
