"""Action tools: proposing changes (directly, through the code model, from a recipe) and
running allow-listed commands. Nothing is written: proposals go to the user."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import threading
from typing import Any

from mira.core.build.runner import run_command
from mira.core.chat.tools.box import (
    READ_MAX_BYTES,
    STR,
    Proposal,
    Tool,
    ToolBase,
    ToolError,
    ToolOutput,
    cap,
    obj_schema,
)


class ActionTools(ToolBase):
    def _action_tools(self) -> list[Tool]:
        return [
            Tool("recipes", "Change recipes of this repository: recurring multi-file changes"
                 " (e.g. a new handler + its test + a registration line) mined from git"
                 " history.", obj_schema(), self._recipes),
            Tool("scaffold", "Propose the files a recipe creates and the lines it adds for a"
                 " new NAME (as changes the user reviews); see the recipes tool.",
                 obj_schema(["recipe", "name"], recipe=STR, name=STR), self._scaffold),
            Tool("propose_change", "Propose a change to a file for the user to review and"
                 " apply: the whole new content, or a unified diff. Nothing is written until"
                 " the user applies it.",
                 obj_schema(["path"], path=STR, content=STR, diff=STR, description=STR),
                 self._propose_change),
        ]

    def _optional_tools(self) -> list[Tool]:
        """write_code with a code model (delegation), run_command when enabled."""
        tools = []
        if self.code_writer is not None:
            tools.append(Tool(
                "write_code", "Have the code model write or rewrite one file from precise"
                " instructions; the result is proposed to the user like propose_change. Use it"
                " for every code-producing step.",
                obj_schema(["path", "instructions"], path=STR, instructions=STR),
                self._write_code))
        if self.ws.config.run_command_enabled:
            tools.append(Tool(
                "run_command", "Run an allow-listed command (tests, linters, build) in the"
                " workspace; returns exit code and output.",
                obj_schema(["command"], command=STR), self._run_command))
        return tools

    async def _propose_change(self, args: dict[str, Any]) -> ToolOutput:
        _, rel = self.resolve(args.get("path"), must_exist=False)
        content, diff = args.get("content"), args.get("diff")
        if not isinstance(content, str) and not isinstance(diff, str):
            raise ToolError("give the new file content or a unified diff")
        kind, body = ("full", content) if isinstance(content, str) else ("diff", diff)
        if self.on_proposal is not None:
            self.on_proposal(Proposal(rel, kind, str(body), str(args.get("description") or "")))
        return ToolOutput(f"proposed a change to {rel}; the user reviews it and applies it"
                          " with one click", f"proposed {kind} change to {rel}")

    async def _write_code(self, args: dict[str, Any]) -> ToolOutput:
        from mira.core.chat.llm_client import LLMError
        path, rel = self.resolve(args.get("path"), must_exist=False)
        instructions = str(args.get("instructions") or "").strip()
        if not instructions:
            raise ToolError("instructions are required")
        current = self.gate.read_text(path, READ_MAX_BYTES) if path.exists() else None
        assert self.code_writer is not None
        try:
            text = await self.code_writer(rel, instructions, current)
        except LLMError as exc:
            raise ToolError(f"the code model failed: {exc}") from None
        if self.on_proposal is not None:
            self.on_proposal(Proposal(rel, "full", text, instructions))
        n = text.count("\n")
        return ToolOutput(f"the code model wrote {n} lines for {rel}; proposed to the user,"
                          " who reviews and applies it", f"code model wrote {rel} ({n} lines)")

    async def _recipes(self, args: dict[str, Any]) -> ToolOutput:
        from mira.core.recipes import chat_tool
        text, summary = await chat_tool.list_recipes(self.ws)
        return ToolOutput(text, summary)

    async def _scaffold(self, args: dict[str, Any]) -> ToolOutput:
        from mira.core.recipes import chat_tool
        from mira.core.recipes.scaffold import ScaffoldError
        try:
            texts, notes = await chat_tool.scaffold_texts(
                self.ws, str(args["recipe"]), str(args["name"]))
        except ScaffoldError as exc:
            raise ToolError(str(exc)) from None
        for rel, text in texts:
            self.resolve(rel, must_exist=False)
            if self.on_proposal is not None:
                self.on_proposal(Proposal(rel, "full", text, f"scaffold {args['recipe']}"))
        listed = ", ".join(rel for rel, _ in texts) or "nothing"
        return ToolOutput(f"proposed {listed}; the user reviews and applies them"
                          + "".join(f"\nnote: {n}" for n in notes),
                          f"scaffolded {len(texts)} files")

    async def _run_command(self, args: dict[str, Any]) -> ToolOutput:
        command = str(args.get("command") or "").strip()
        cfg = self.ws.config
        allowed = [a.strip() for a in str(cfg.run_command_allowlist).split(",") if a.strip()]
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise ToolError(f"cannot parse the command: {exc}") from None
        if not argv or not any(argv[:len(a.split())] == a.split() for a in allowed):
            raise ToolError(f"{command!r} is not allowed; allowed: {', '.join(allowed)}")
        env = {k: v for k, v in os.environ.items()
               if not re.search(r"KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL", k, re.IGNORECASE)}
        # the build runner: its own process group, killed whole (grandchildren too) on a
        # timeout or when the chat is cancelled; argv is quoted, so the shell adds nothing
        stop = threading.Event()
        run = asyncio.ensure_future(asyncio.to_thread(
            run_command, shlex.join(argv), self.root, timeout_s=cfg.run_command_timeout_s,
            cancelled=stop.is_set, base_env=env, head_bytes=64_000, tail_bytes=64_000))
        try:
            out = await asyncio.shield(run)
        except asyncio.CancelledError:
            stop.set()
            await run  # the group is killed within a tenth of a second
            raise
        if out.status == "timeout":
            raise ToolError(f"{command!r} timed out after {cfg.run_command_timeout_s:.0f} s")
        if out.status == "error":
            raise ToolError(out.message or f"{argv[0]} could not be run")
        return ToolOutput(f"exit code {out.exit_code}\n{cap(out.output, 8000)}",
                          f"{argv[0]} exited {out.exit_code}")
