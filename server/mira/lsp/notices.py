"""Conditions a user must hear about once, and that ``mira/status`` keeps saying.

A missing ``git`` binary, a data directory moved to the user cache because ``.mira/``
is not writable, a corrupt database that was moved aside and rebuilt: each is shown
once per server (``window/showMessage``) and stays in the workspace's status message.
The rest of the features keep working in every case.
"""

from __future__ import annotations

import logging
import shutil
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


def status_message(ls: MiraServer, ws: Workspace, message: str | None) -> str | None:
    """The workspace's status message with its notes appended."""
    notes = list(ls.state.notes.get(ws.root, {}).values())
    parts = ([message] if message else []) + notes
    return "; ".join(parts) if parts else None
