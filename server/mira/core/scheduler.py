"""Which background phase may run now: one at a time, the most urgent first.

Why: git index, code index, fix mining, search indexing and two embedding passes all
started at once on a two-core machine, and editor requests waited behind them. The
order of urgency is fixed (``PRIORITY``): interactive requests never take a slot (they
run on their own threads, and their writes go first in the writer's queue), open-buffer
updates neither; background phases take the one slot in this order. A long phase that
can stop between batches (the embedding passes) *yields* when a more urgent phase is
waiting: ``should_yield`` turns true, it stops after its current batch, and runs again
once the slot is free (its work is resumable).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

PRIORITY = {
    "git": 2,
    "code": 3,
    "fixes": 4,
    "chunks": 4,
    "code_embeddings": 5,
    "commit_embeddings": 6,
}


class Scheduler:
    def __init__(self, slots: int = 1) -> None:
        self._free = slots
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    @asynccontextmanager
    async def slot(self, phase: str) -> AsyncIterator[None]:
        """Hold the background slot while the phase runs (waiting for it by priority)."""
        priority = PRIORITY.get(phase, 9)
        if self._free > 0 and not self._waiting:
            self._free -= 1
        else:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            entry = (priority, next(self._seq), future)
            heapq.heappush(self._waiting, entry)
            try:
                await future
            except asyncio.CancelledError:
                if future.done() and not future.cancelled():
                    self._release()  # it was handed the slot just as it was cancelled
                else:
                    self._waiting.remove(entry)
                    heapq.heapify(self._waiting)
                raise
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiting:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():
                future.set_result(None)  # the slot passes straight to the next phase
                return
        self._free += 1

    def should_yield(self, phase: str) -> bool:
        """A more urgent phase waits for the slot (safe to call from any thread)."""
        priority = PRIORITY.get(phase, 9)
        waiting = list(self._waiting)
        return any(p < priority for p, _, f in waiting if not f.done())

    def waiting(self) -> list[int]:
        return sorted(p for p, _, f in self._waiting if not f.done())
