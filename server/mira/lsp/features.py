"""Calling the providers of methods several concerns contribute to (``server.Providers``).

LSP allows one handler per method, but CodeLens, hover, code actions and document
events each have several contributors (co-change, experts, build errors, ...); the
aggregating handler calls them all through ``gather_safely``, and one failing provider
only loses its own part of the answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

log = logging.getLogger(__name__)

async def gather_safely(name: str, calls: list[Awaitable[Any]]) -> list[Any]:
    """Run the providers concurrently (a hover waits for its slowest part, not their sum);
    results keep the providers' order, and a failure is logged and contributes None."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    out: list[Any] = []
    for result in results:
        if isinstance(result, asyncio.CancelledError):
            raise result
        if isinstance(result, BaseException):
            log.error("%s provider failed", name, exc_info=result)
            out.append(None)
        else:
            out.append(result)
    return out
