"""Extension points for LSP methods that several concerns contribute to.

LSP allows one handler per method, but CodeLens, hover, code actions and document
events each have several contributors (co-change, experts, build errors, ...).
Each handler module registers a provider here; the aggregating handler in
``handlers/editor.py`` calls them all, and one failing provider only loses its own
part of the answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer

log = logging.getLogger(__name__)

CodeLensProvider = Callable[["MiraServer", types.CodeLensParams], Awaitable[list[types.CodeLens]]]
HoverProvider = Callable[["MiraServer", types.HoverParams], Awaitable[str | None]]
CodeActionProvider = Callable[
    ["MiraServer", types.CodeActionParams], Awaitable[list[types.CodeAction]]]
DocumentListener = Callable[["MiraServer", str, str], Awaitable[None]]  # (server, uri, event)
CommitListener = Callable[["MiraServer", Any], Awaitable[None]]  # after a git index run
# (server, workspace, changed paths): files created, changed or deleted on disk
FilesListener = Callable[["MiraServer", Any, set[str]], Awaitable[None]]


@dataclass
class Providers:
    code_lens: list[CodeLensProvider] = field(default_factory=list)
    hover: list[HoverProvider] = field(default_factory=list)
    code_action: list[CodeActionProvider] = field(default_factory=list)
    document: list[DocumentListener] = field(default_factory=list)
    git_indexed: list[CommitListener] = field(default_factory=list)
    worktree_changed: list[CommitListener] = field(default_factory=list)
    files_changed: list[FilesListener] = field(default_factory=list)
    workspace_opened: list[CommitListener] = field(default_factory=list)  # git or not


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
