"""ContextService: the Context Oracle + memory + prompt builder of one workspace.

It is the ``ContextProvider`` the chat engine uses (``build``/``record``, see
``mira.core.context.api``) and what ``mira/context``, ``mira/memory`` and the
CLI call to show users exactly what a model would see and what Mira remembers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mira.core import files, secrets
from mira.core.context import oracle, presets
from mira.core.context.api import ContextRequest, PromptContext
from mira.core.context.llm import CompleteFn, LanguageModel, language_model
from mira.core.context.memory import Memory, Recall
from mira.core.context.memory_store import StoredFact
from mira.core.context.prompt import DEFAULT_PERSONA, PRIORITY, PromptPart, assemble, oracle_parts
from mira.core.context.repo_tree import repo_tree
from mira.core.context.sources import GatherInput, find_error
from mira.core.context.tokens import count_tokens, truncate_to_tokens

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

MEMORY_SHARE = 0.25  # of the preset's tokens, the part memory (history included) may take
FILE_WINDOW_LINES = 30
CURRENT_FILE_MAX_BYTES = 256 * 1024
TREE_DEPTH = 2


@dataclass
class ContextAnswer:
    """What ``mira/context`` shows: the oracle's sections and the whole prompt."""

    preset: str
    markdown: str  # format_for_prompt(): the oracle's sections
    prompt: PromptContext


class ContextService:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self._model: LanguageModel | None = (
            language_model(workspace.config) if workspace.config.memory_model_analysis else None)
        self.memory = Memory(workspace, lambda: self._model)

    def use_language_model(self, complete: CompleteFn | None) -> None:
        """Inject (or with None, resolve from the configuration) the model used for memory."""
        self._model = language_model(self.ws.config, complete)

    @property
    def secret_globs(self) -> tuple[str, ...]:
        return secrets.parse_globs(self.ws.config.context_secret_globs)

    @property
    def gate(self) -> files.Gate:
        return files.Gate(self.ws.root, self.secret_globs)

    @property
    def guideline_files(self) -> tuple[str, ...]:
        raw = self.ws.config.context_guideline_files
        return secrets.parse_globs(raw) if raw else ()

    # -- the oracle ----------------------------------------------------------------------
    def choose_preset(self, request: ContextRequest) -> presets.Preset:
        error = find_error(request.message, request.diagnostics)
        return presets.choose(request.preset, request.budget_used_fraction, error is not None)

    async def oracle(self, request: ContextRequest) -> oracle.OracleResult:
        preset = self.choose_preset(request)
        inp = GatherInput(self.ws, request.message, request.path, request.line,
                          find_error(request.message, request.diagnostics), self.secret_globs,
                          self.guideline_files)
        timeout = self.ws.config.context_source_timeout_s
        if request.deadline_s is not None:
            timeout = min(timeout, request.deadline_s)
        return await oracle.gather(inp, preset, timeout)

    # -- ContextProvider -----------------------------------------------------------------
    async def record(self, session_id: str, role: str, content: str) -> int | None:
        return await self.memory.record(session_id, role, content)

    async def build(self, request: ContextRequest) -> PromptContext:
        preset = self.choose_preset(request)
        found = await self.oracle(request)
        memory_budget = int(preset.max_tokens * MEMORY_SHARE)
        recall = await self.memory.recall(request.session_id, request.message, memory_budget)
        history = [{"role": e.role, "content": secrets.redact(e.content)}
                   for e in recall.history]
        history_tokens = sum(count_tokens(m["content"]) + 4 for m in history)
        tree = await asyncio.to_thread(repo_tree, self.gate, TREE_DEPTH, 80)
        current = await asyncio.to_thread(self._current_file, request)
        parts = [
            PromptPart("persona", None, self._persona(), PRIORITY["persona"]),
            PromptPart("project", "Project", self._project(request), PRIORITY["project"]),
            *self._memory_parts(recall),
            *oracle_parts(found.sections),
            PromptPart("tree", "Repository Structure", f"```\n{tree}\n```" if tree else "",
                       PRIORITY["tree"]),
            PromptPart("tools", "Available Tools",
                       "\n".join(f"- {t}" for t in request.tools), PRIORITY["tools"]),
            PromptPart("current_file", "Current File", current, PRIORITY["current_file"]),
        ]
        built = assemble(parts, max(preset.max_tokens - history_tokens, 200))
        kept = {p.key for p in built.parts}
        sections = [s for s in found.sections if f"oracle:{s.source}" in kept]
        return PromptContext(
            system=secrets.redact(built.system), history=history, sections=sections,
            tokens=built.tokens + history_tokens, preset=preset.name,
            skipped=found.skipped + [f"prompt {d}" for d in built.dropped],
            citations=found.citations)

    async def context(self, request: ContextRequest) -> ContextAnswer:
        """The prompt a chat request would get, plus the oracle's markdown."""
        prompt = await self.build(request)
        return ContextAnswer(prompt.preset, oracle.format_sections(prompt.sections), prompt)

    # -- memory (users own it) -----------------------------------------------------------
    async def facts(self) -> list[StoredFact]:
        return await self.memory.facts()

    async def forget(self, key: str) -> bool:
        return await self.memory.forget(key)

    # -- parts ---------------------------------------------------------------------------
    def _persona(self) -> str:
        persona = self.ws.config.context_persona
        return persona.strip() if persona and persona.strip() else DEFAULT_PERSONA

    def _project(self, request: ContextRequest) -> str:
        lines = [f"Workspace `{self.ws.root.name}`"
                 + (" (a git repository)" if self.ws.has_git else " (not in git)") + "."]
        if request.path is not None:
            rel = self._rel(request.path)
            if rel is not None:
                where = f" at line {request.line + 1}" if request.line is not None else ""
                lines.append(f"The user is in `{rel}`{where}.")
        return "\n".join(lines)

    def _rel(self, path: Path) -> str | None:
        return self.gate.relative(path)

    def _memory_parts(self, recall: Recall) -> list[PromptPart]:
        summaries = "\n\n".join(f"Last {s.window} messages:\n{s.text}" for s in
                                recall.summaries)
        recalled = "\n".join(
            f"- ({r.entry.role}) " + truncate_to_tokens(r.entry.content.strip(), 300)
            .replace("\n", "\n  ") for r in sorted(recall.recalled, key=lambda r: r.entry.id))
        facts = "\n".join(f"- {f.key}: {f.value}" for f in recall.facts)
        return [
            PromptPart("summaries", "Conversation Summary", summaries, PRIORITY["summaries"]),
            PromptPart("recalled", "Recalled Messages", recalled, PRIORITY["recalled"]),
            PromptPart("facts", "Remembered Facts", facts, PRIORITY["facts"]),
        ]

    def _current_file(self, request: ContextRequest) -> str:
        if request.path is None:
            return ""
        rel = self._rel(request.path)
        if rel is None:
            return "(the current file is outside the workspace: not shown)"
        read = self.gate.read(request.path, CURRENT_FILE_MAX_BYTES, truncate=True)
        if read.status == "secret":
            return f"`{rel}` (a secret file: its content is never shown)"
        if request.selection:
            return f"`{rel}`, selection:\n```\n{secrets.redact(request.selection)}\n```"
        text = read.text
        if text is None:
            return f"`{rel}` (not readable as text)"
        lines = text.splitlines()
        line = request.line if request.line is not None else 0
        start = max(0, line - FILE_WINDOW_LINES)
        end = min(len(lines), line + FILE_WINDOW_LINES + 1)
        width = len(str(end))
        body = "\n".join(f"{i + 1:>{width}} {lines[i]}" for i in range(start, end))
        return f"`{rel}`, lines {start + 1}-{end} of {len(lines)}:\n```\n{body}\n```"
