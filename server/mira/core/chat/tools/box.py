"""The tool box's foundation: tool types, and resolving the model's paths.

Why every tool goes through ``ToolBox.call``: the model's arguments are untrusted
text. Paths are resolved inside the workspace (absolute paths, ``..`` and
symlinks out are refused), secret files are never read or shown (not even in a
git diff) and secret tokens in any output are redacted — the gate
(``mira.core.files``) decides both — output is capped, and a failing tool becomes
an error *result* the model can react to — never an exception that ends the chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira.core import files

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

MAX_OUTPUT_CHARS = 12_000
READ_MAX_BYTES = 256 * 1024  # read_file shows the first part of a larger file
GIT_TIMEOUT_S = 20.0


class ToolError(Exception):
    """A tool could not do what was asked; the message goes back to the model."""


@dataclass
class ToolOutput:
    content: str  # what the model reads
    summary: str  # one line for the user ("3 matches", "read a.py lines 1-40")


@dataclass
class Proposal:
    path: str  # workspace-relative
    kind: str  # full | diff
    content: str
    description: str


Handler = Callable[[dict[str, Any]], Awaitable[ToolOutput]]
# (path, instructions, current text) -> new text, by the code model (delegation)
CodeWriterFn = Callable[[str, str, str | None], Awaitable[str]]


@dataclass
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    handler: Handler

    def schema(self) -> dict[str, Any]:
        return {"type": "function", "function": {
            "name": self.name, "description": self.description, "parameters": self.parameters}}


def obj_schema(required: list[str] | None = None, **props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or [],
            "additionalProperties": False}


STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}


def cap(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… (output truncated: {len(text) - limit} more characters)"


class ToolBase:
    """What every group of tools shares: the workspace, path resolution, proposals."""

    ws: Workspace
    root: Path
    secret_globs: tuple[str, ...]
    gate: files.Gate
    on_proposal: Callable[[Proposal], None] | None
    code_writer: CodeWriterFn | None

    def resolve(self, raw: Any, must_exist: bool = True) -> tuple[Path, str]:
        """(absolute path, workspace-relative posix path) or ToolError."""
        if not isinstance(raw, str) or not raw.strip():
            raise ToolError("a path is required")
        given = Path(raw.strip())
        if given.is_absolute():
            raise ToolError("absolute paths are not allowed; use a path relative to the"
                            " workspace root")
        resolved = self.gate.inside(given)
        if resolved is None:
            raise ToolError(f"{raw} is outside the workspace")
        rel = resolved.relative_to(self.gate.root).as_posix()  # "." for the root itself
        if rel != "." and self.gate.path_secret(given) is not None:
            raise ToolError(f"{rel} may contain secrets and is never read")
        if must_exist and not resolved.exists():
            raise ToolError(f"{rel} does not exist")
        return resolved, rel

    def _secret(self, rel: str | None) -> bool:
        return self.gate.is_secret(rel)

    def _repo_root(self, path: Path | None = None) -> Path:
        repo = self.ws.repo_for(path or self.root)
        if repo is None and self.ws.repos:
            repo = self.ws.repos[0]
        if repo is None:
            raise ToolError("the workspace is not in a git repository")
        return repo.root

    async def _git(self, cwd: Path, args: list[str]) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            "git", "-c", "core.quotepath=off", *args, cwd=cwd, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL)
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), GIT_TIMEOUT_S)
        except (TimeoutError, asyncio.CancelledError):
            proc.kill()
            await proc.wait()
            raise
        return proc.returncode or 0, out.decode("utf-8", errors="replace")
