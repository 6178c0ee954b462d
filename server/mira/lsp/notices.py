"""Conditions a user must hear about once, and that ``mira/status`` keeps saying.

A missing ``git`` binary, a data directory moved to the user cache because ``.mira/``
is not writable, a corrupt database that was moved aside and rebuilt, a second server on
a workspace another one indexes (it reads only, and takes over when the other exits):
each is shown once per server (``window/showMessage``) and stays in the workspace's
status message. The rest of the features keep working in every case.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from lsprotocol import types

from mira.core.workspace import Workspace

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer

log = logging.getLogger(__name__)

GIT_MISSING = ("git was not found on PATH: git history features (co-change, experts, "
               "blame, past fixes) are off; code features keep working. Install git and "
               "restart the server to turn them on")


def git_missing() -> bool:
    return shutil.which("git") is None


def note(ls: MiraServer, ws: Workspace, key: str, message: str,
         kind: types.MessageType = types.MessageType.Warning) -> None:
    """Show ``message`` once per server for ``key`` and keep it in the workspace status."""
    notes = ls.state.notes.setdefault(ws.root, {})
    notes[key] = message
    if key not in ls.state.said:
        ls.state.said.add(key)
        ls.show(message, kind)


def announce_opened(ls: MiraServer, ws: Workspace) -> None:
    """What is worth saying about a workspace that was just opened."""
    location = ws.location
    if location.is_fallback:
        log.warning("data directory for %s: %s; using %s", ws.root, location.fallback_reason,
                    location.path)
        note(ls, ws, f"data-dir:{ws.root}",
             f"{location.fallback_reason}; Mira keeps its index in {location.path} instead "
             "(every feature keeps working)")
    if ws.has_git and ls.state.git_missing:
        note(ls, ws, "git-missing", GIT_MISSING)
    announce_database(ls, ws)


def status_message(ls: MiraServer, ws: Workspace, message: str | None) -> str | None:
    """The workspace's status message with its notes appended."""
    notes = list(ls.state.notes.get(ws.root, {}).values())
    parts = ([message] if message else []) + notes
    return "; ".join(parts) if parts else None


READER = ("another Mira server is indexing {name}: this one answers from that index and "
          "takes over the indexing when the other server exits")


def announce_database(ls: MiraServer, ws: Workspace) -> None:
    """A rebuilt database, and this server's role when another one holds the workspace."""
    moved = ws.db.rebuilt_from
    if moved is not None:
        log.warning("the database of %s was corrupt: moved to %s, rebuilding", ws.root, moved)
        note(ls, ws, f"rebuilt:{ws.root}",
             f"the index database of {ws.root.name} was damaged; it was moved to {moved} and "
             "the index is being rebuilt from git and the sources")
    if ws.db.role == "reader":
        log.info("%s: another server holds the writer lock; reading only", ws.root)
        note(ls, ws, f"reader:{ws.root}", READER.format(name=ws.root.name),
             types.MessageType.Info)


async def take_over_when_free(ls: MiraServer, ws: Workspace,
                              start: Callable[[], Awaitable[None]]) -> None:
    """A reader polls the writer lock; once it holds it, it says so and ``start``s indexing."""
    while ws.db.role == "reader":
        await asyncio.sleep(ws.config.writer_poll_s)
        if ls.state.workspaces.get(ws.root) is not ws:
            return  # closed meanwhile
        await asyncio.to_thread(ws.db.claim_writer)
    ls.state.notes.get(ws.root, {}).pop(f"reader:{ws.root}", None)
    ls.show(f"the other Mira server on {ws.root.name} exited; this one now indexes it",
            types.MessageType.Info)
    await start()
