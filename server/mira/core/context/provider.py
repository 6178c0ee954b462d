"""The chat engine's entry point to the context layer (``mira.core.context.api``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mira.core.context.api import ContextProvider
from mira.core.context.llm import CompleteFn
from mira.core.context.service import ContextService

if TYPE_CHECKING:
    from mira.core.workspace import Workspace


def create_provider(workspace: Workspace, complete: CompleteFn | None = None
                    ) -> ContextProvider:
    """The workspace's ContextService (Context Oracle + memory + prompt builder).

    ``complete`` (optional) injects the language model used for salience, facts and
    summaries; without it the configured endpoint's model is used, else heuristics.
    """
    service = workspace.service(ContextService)
    if complete is not None:
        service.use_language_model(complete)
    return service
