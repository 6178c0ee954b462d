"""The tools a chat model may call: JSON-schema'd, confined to the workspace.

``box`` holds the tool types and path resolution (see its docstring for why every
tool goes through ``ToolBox.call``); ``knowledge``, ``git`` and ``actions`` the
three groups of tools.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mira.core import files, secrets
from mira.core.chat.tools.actions import ActionTools
from mira.core.chat.tools.box import CodeWriterFn, Proposal, Tool, ToolError, ToolOutput, cap
from mira.core.chat.tools.git import GitTools
from mira.core.chat.tools.knowledge import KnowledgeTools

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

__all__ = ["CodeWriterFn", "Proposal", "Tool", "ToolBox", "ToolError", "ToolOutput"]


class ToolBox(KnowledgeTools, GitTools, ActionTools):
    def __init__(self, workspace: Workspace, secret_globs: tuple[str, ...] = (),
                 on_proposal: Callable[[Proposal], None] | None = None,
                 code_writer: CodeWriterFn | None = None) -> None:
        self.ws = workspace
        self.code_writer = code_writer
        self.root = workspace.root
        self.secret_globs = secret_globs
        self.gate = files.Gate(self.root, secret_globs)
        self.on_proposal = on_proposal
        self.tools: dict[str, Tool] = {t.name: t for t in self._tools()}

    def schemas(self) -> list[dict[str, Any]]:
        return [t.schema() for t in self.tools.values()]

    def descriptions(self) -> list[str]:
        return [f"{t.name}: {t.description}" for t in self.tools.values()]

    async def call(self, name: str, raw_args: str) -> tuple[bool, ToolOutput]:
        """(ok, output) — never raises for the model's mistakes or a failing tool."""
        tool = self.tools.get(name)
        if tool is None:
            return False, ToolOutput(f"error: unknown tool {name!r}; available tools: "
                                     + ", ".join(self.tools), f"unknown tool {name}")
        try:
            args = json.loads(raw_args) if raw_args.strip() else {}
            if not isinstance(args, dict):
                raise ValueError("arguments must be a JSON object")
        except ValueError as exc:
            return False, ToolOutput(f"error: the arguments are not valid JSON ({exc});"
                                     " call the tool again with a JSON object",
                                     "malformed arguments")
        try:
            out = await tool.handler(args)
        except ToolError as exc:
            return False, ToolOutput(f"error: {exc}", str(exc)[:120])
        except (KeyError, TypeError, ValueError) as exc:
            return False, ToolOutput(f"error: bad arguments for {name}: {exc}",
                                     f"bad arguments: {exc}"[:120])
        return True, ToolOutput(cap(secrets.redact(out.content)), out.summary)


    def _tools(self) -> list[Tool]:
        return (self._knowledge_tools() + self._git_tools() + self._action_tools()
                + self._optional_tools())
