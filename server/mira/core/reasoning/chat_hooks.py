"""The chat run's only hooks into learning: before the model answers, after it answered,
and when an artifact of an operation was applied. A failure here never fails a chat."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira.core.reasoning.profile import ProfileService
from mira.core.reasoning.service import ReasoningService

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass
class PromptAdditions:
    text: str                                   # appended to the system prompt
    event: dict[str, Any] = field(default_factory=dict)  # recorded on the operation


async def before_answer(ws: Workspace, op_id: str, message: str, path: Path | None
                        ) -> PromptAdditions | None:
    """The user's profile and the best matching reasoning pattern, for the system prompt."""
    parts: list[str] = []
    event: dict[str, Any] = {}
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
    return PromptAdditions("\n\n".join(parts), event) if parts else None


async def after_answer(ws: Workspace, op_id: str, message: str, path: Path | None,
                       response: str, steps: Sequence[tuple[str, Any]],
                       artifact_paths: Sequence[str]) -> None:
    """Keep the operation's trace (for a later good outcome) and learn from the message."""
    try:
        await ws.service(ReasoningService).observe(
            op_id, message, path.as_posix() if path else None, response, steps, artifact_paths)
        await ws.service(ProfileService).learn(message)
    except Exception:
        log.warning("learning from operation %s failed", op_id, exc_info=True)


async def artifact_applied(ws: Workspace, op_id: str) -> None:
    """An artifact the operation proposed was applied: a good outcome."""
    try:
        await ws.service(ReasoningService).outcome(op_id, good=True)
    except Exception:
        log.warning("recording the outcome of %s failed", op_id, exc_info=True)
