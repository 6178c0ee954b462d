"""Providers several concerns contribute to: run together, each failure contained."""

from __future__ import annotations

import asyncio

import pytest

from mira.lsp.features import gather_safely
from mira.lsp.state import RunCoalescer


async def test_providers_run_concurrently_in_order_and_fail_alone() -> None:
    ready = asyncio.Event()

    async def waits() -> str:  # done only if the next provider runs meanwhile
        await asyncio.wait_for(ready.wait(), 5)
        return "hover part 1"

    async def signals() -> str:
        ready.set()
        return "hover part 2"

    async def fails() -> str:
        raise RuntimeError("provider bug")

    assert await gather_safely("hover", [waits(), fails(), signals()]) == [
        "hover part 1", None, "hover part 2"]


async def test_one_run_at_a_time_per_key_and_one_more_after_a_burst() -> None:
    runs = RunCoalescer()
    started: list[str] = []
    release = asyncio.Event()

    async def work() -> None:
        started.append("run")
        if len(started) == 1:
            await release.wait()

    first = asyncio.ensure_future(runs.run(("git", "/a"), work))
    await asyncio.sleep(0)
    # three requests while the first run is in flight: coalesced into one more run
    assert [await runs.run(("git", "/a"), work) for _ in range(3)] == [False] * 3
    assert await runs.run(("code", "/a"), work) is True  # another key runs at once
    release.set()
    assert await first is True
    assert started == ["run", "run", "run"]  # first, the other key, one coalesced re-run
    assert not runs.running(("git", "/a"))


async def test_a_failing_run_frees_its_key() -> None:
    runs = RunCoalescer()

    async def boom() -> None:
        raise RuntimeError("index failed")

    with pytest.raises(RuntimeError):
        await runs.run("k", boom)
    assert not runs.running("k")
