"""The chat run's only hooks into learning: before the model answers, after it answered,
and when an artifact of an operation was applied. A failure here never fails a chat."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira.core import files
from mira.core.reasoning import keeping
from mira.core.reasoning.profile import ProfileService
from mira.core.reasoning.relations import ChatTurn, RelationService
from mira.core.reasoning.service import ReasoningService, workspace_path

if TYPE_CHECKING:
    from mira.core.chat.operations import Artifact
    from mira.core.reasoning.store import Pattern
    from mira.core.workspace import Workspace

__all__ = ["ChatTurn", "PromptAdditions", "after_answer", "artifact_applied", "before_answer",
           "rated", "settle_kept", "workspace_path"]
log = logging.getLogger(__name__)


@dataclass
class PromptAdditions:
    text: str                                   # appended to the system prompt
    event: dict[str, Any] = field(default_factory=dict)  # recorded on the operation


async def before_answer(ws: Workspace, op_id: str, message: str, path: Path | None,
                        session_id: str = "") -> PromptAdditions | None:
    """The user's profile, the best matching reasoning pattern and the earlier conversations
    about the current file, for the system prompt."""
    parts: list[str] = []
    event: dict[str, Any] = {}
    await settle_kept(ws)
    try:
        block = await ws.service(ProfileService).prompt_block()
        if block:
            parts.append(block)
            event["profile"] = True
    except Exception:
        log.warning("the user profile could not be read", exc_info=True)
    try:
        found = await ws.service(ReasoningService).suggest(
            op_id, message, path.as_posix() if path else None)
        if found is not None:
            parts.append(found.markdown)
            event.update(patternId=found.pattern.id, similarity=found.similarity)
    except Exception:
        log.warning("reasoning patterns could not be matched", exc_info=True)
    try:
        earlier = await ws.service(RelationService).prompt_block(
            workspace_path(ws, path), session_id)
        if earlier is not None:
            parts.append(earlier[0])
            event["relatedChats"] = earlier[1]
    except Exception:
        log.warning("earlier conversations about the file could not be read", exc_info=True)
    return PromptAdditions("\n\n".join(parts), event) if parts else None


async def after_answer(ws: Workspace, turn: ChatTurn) -> None:
    """Keep the operation's trace (for a later good outcome), learn from the message and
    record what the chat's messages relate to."""
    try:
        await ws.service(ReasoningService).observe(
            turn.operation_id, turn.message, turn.path, turn.response, turn.steps,
            turn.artifact_paths)
        learned = await ws.service(ProfileService).learn(turn.message)
        turn.profile_keys = [f.key for f in learned]
    except Exception:
        log.warning("learning from operation %s failed", turn.operation_id, exc_info=True)
    try:
        await ws.service(RelationService).record(turn)
    except Exception:
        log.warning("relating operation %s failed", turn.operation_id, exc_info=True)


async def artifact_applied(ws: Workspace, art: Artifact) -> None:
    """An artifact was applied: related to the answer now; judged as an outcome once the
    user kept (or reverted) it (``keeping``)."""
    try:
        await ws.service(RelationService).link_answer(art.operation_id, "file", art.path,
                                                      "applied")
        gate = files.for_workspace(ws)
        before = await asyncio.to_thread(gate.read_text, art.path)
        stamp = keeping.mtime(gate.inside(art.path))
        lines = keeping.brought_lines(art.kind, art.content, before)
        await ws.db.awrite(lambda c: keeping.start(c, art.id, art.operation_id, art.path, lines,
                                                   stamp))
    except Exception:
        log.warning("recording the apply of %s failed", art.id, exc_info=True)


async def _outcome(ws: Workspace, op_id: str, good: bool) -> Pattern | None:
    pattern = await ws.service(ReasoningService).outcome(op_id, good=good)
    if pattern is not None and good:
        await ws.service(RelationService).link_answer(op_id, "pattern", str(pattern.id),
                                                      "taught")
    return pattern


async def rated(ws: Workspace, op_id: str, good: bool) -> Pattern | None:
    """A thumbs up or down (``mira/feedback``): an outcome at once. Returns the pattern a
    thumbs-up stored (or found)."""
    return await _outcome(ws, op_id, good)


async def settle_kept(ws: Workspace) -> int:
    """Judge the applied artifacts that are due: kept = a good outcome, reverted = a bad one."""
    try:
        gate = files.for_workspace(ws)
        settled = await ws.db.awrite(lambda c: keeping.settle_due(c, gate))
        for s in settled:
            await _outcome(ws, s.operation_id, s.kept)
        return len(settled)
    except Exception:
        log.warning("checking whether applied changes were kept failed", exc_info=True)
        return 0
