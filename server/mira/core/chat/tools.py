"""The tools a chat model may call: JSON-schema'd, confined to the workspace.

Why every tool goes through ``ToolBox.call``: the model's arguments are untrusted
text. Paths are resolved inside the workspace (absolute paths, ``..`` and
symlinks out are refused), secret files are never read or shown (not even in a
git diff), output is capped, and a failing tool becomes an error *result* the
model can react to — never an exception that ends the chat.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira.core.build.service import BuildService
from mira.core.code.service import CodeService
from mira.core.context import safety
from mira.core.expertise.service import ExpertiseService
from mira.core.semantic.service import SearchService

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

MAX_OUTPUT_CHARS = 12_000
MAX_LIST = 200
GIT_TIMEOUT_S = 20.0
_REV = re.compile(r"^[0-9A-Za-z_][0-9A-Za-z_./~^@{}-]{0,99}$")
_SKIP_DIRS = {".git", ".mira", "node_modules", "__pycache__", ".venv", "venv", ".tox",
              "dist", "build", "target", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


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


def _obj(required: list[str] | None = None, **props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or [],
            "additionalProperties": False}


_STR: dict[str, Any] = {"type": "string"}
_INT: dict[str, Any] = {"type": "integer"}


def _cap(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… (output truncated: {len(text) - limit} more characters)"


class ToolBox:
    def __init__(self, workspace: Workspace, secret_globs: tuple[str, ...] = (),
                 on_proposal: Callable[[Proposal], None] | None = None,
                 code_writer: CodeWriterFn | None = None) -> None:
        self.ws = workspace
        self.code_writer = code_writer
        self.root = workspace.root
        self.secret_globs = secret_globs
        self.on_proposal = on_proposal
        cfg = workspace.config
        self.tools: dict[str, Tool] = {t.name: t for t in self._tools()}
        if code_writer is not None:
            self.tools["write_code"] = Tool(
                "write_code", "Have the code model write or rewrite one file from precise"
                " instructions; the result is proposed to the user like propose_change. Use it"
                " for every code-producing step.",
                _obj(["path", "instructions"], path=_STR, instructions=_STR), self._write_code)
        if cfg.run_command_enabled:
            self.tools["run_command"] = Tool(
                "run_command", "Run an allow-listed command (tests, linters, build) in the"
                " workspace; returns exit code and output.",
                _obj(["command"], command=_STR), self._run_command)

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
        return True, ToolOutput(_cap(out.content), out.summary)

    # -- paths -------------------------------------------------------------------------
    def resolve(self, raw: Any, must_exist: bool = True) -> tuple[Path, str]:
        """(absolute path, workspace-relative posix path) or ToolError."""
        if not isinstance(raw, str) or not raw.strip():
            raise ToolError("a path is required")
        given = Path(raw.strip())
        if given.is_absolute():
            raise ToolError("absolute paths are not allowed; use a path relative to the"
                            " workspace root")
        resolved = safety.inside(self.root, given)
        if resolved is None:
            raise ToolError(f"{raw} is outside the workspace")
        rel = resolved.relative_to(self.root).as_posix()  # "." for the root itself
        if rel != "." and safety.is_secret(rel, self.secret_globs):
            raise ToolError(f"{rel} may contain secrets and is never read")
        if must_exist and not resolved.exists():
            raise ToolError(f"{rel} does not exist")
        return resolved, rel

    def _secret(self, rel: str) -> bool:
        return safety.is_secret(rel, self.secret_globs)

    # -- the tools ---------------------------------------------------------------------
    def _tools(self) -> list[Tool]:
        return [
            Tool("read_file", "Read a text file of the workspace (optionally a 1-based line"
                 " range).", _obj(["path"], path=_STR, start_line=_INT, end_line=_INT),
                 self._read_file),
            Tool("list_files", "List files under a workspace directory (optionally filtered"
                 " by a glob such as '*.py').", _obj(path=_STR, pattern=_STR), self._list_files),
            Tool("search_code", "Search the code (hybrid keyword + semantic search, or text"
                 " search) for a query.", _obj(["query"], query=_STR, limit=_INT),
                 self._search_code),
            Tool("find_symbol", "Find where a function/class/method is defined.",
                 _obj(["name"], name=_STR), self._find_symbol),
            Tool("callers", "Functions that call a symbol (qualified name).",
                 _obj(["symbol"], symbol=_STR, depth=_INT), self._callers),
            Tool("callees", "Functions a symbol (qualified name) calls.",
                 _obj(["symbol"], symbol=_STR, depth=_INT), self._callees),
            Tool("cochange", "Files usually changed together with a file, from git history.",
                 _obj(["path"], path=_STR, limit=_INT), self._cochange),
            Tool("experts", "Who knows a file best (git authorship, recency).",
                 _obj(["path"], path=_STR, line=_INT), self._experts),
            Tool("blame", "Last commit that changed a line (1-based) of a file.",
                 _obj(["path", "line"], path=_STR, line=_INT), self._blame),
            Tool("fixes", "Past commits that fixed an error similar to this message.",
                 _obj(["error"], error=_STR, limit=_INT), self._fixes),
            Tool("build_errors", "Errors of the most recent builds/test runs.",
                 _obj(limit=_INT), self._build_errors),
            Tool("git_log", "Recent commits, optionally of one path.",
                 _obj(path=_STR, limit=_INT), self._git_log),
            Tool("git_show", "One commit: message, changed files and diff.",
                 _obj(["commit"], commit=_STR), self._git_show),
            Tool("git_diff", "Uncommitted changes (or staged with staged=true), optionally of"
                 " one path.", _obj(path=_STR, staged={"type": "boolean"}), self._git_diff),
            Tool("recipes", "Change recipes of this repository: recurring multi-file changes"
                 " (e.g. a new handler + its test + a registration line) mined from git"
                 " history.", _obj(), self._recipes),
            Tool("scaffold", "Propose the files a recipe creates and the lines it adds for a"
                 " new NAME (as changes the user reviews); see the recipes tool.",
                 _obj(["recipe", "name"], recipe=_STR, name=_STR), self._scaffold),
            Tool("propose_change", "Propose a change to a file for the user to review and"
                 " apply: the whole new content, or a unified diff. Nothing is written until"
                 " the user applies it.",
                 _obj(["path"], path=_STR, content=_STR, diff=_STR, description=_STR),
                 self._propose_change),
        ]

    async def _read_file(self, args: dict[str, Any]) -> ToolOutput:
        path, rel = self.resolve(args.get("path"))
        if path.is_dir():
            raise ToolError(f"{rel} is a directory; use list_files")
        text = await asyncio.to_thread(safety.read_text, self.root, path, self.secret_globs)
        if text is None:
            raise ToolError(f"{rel} is binary or unreadable")
        lines = text.splitlines()
        start = max(int(args.get("start_line") or 1), 1)
        end = min(int(args.get("end_line") or len(lines)), len(lines))
        if start > 1 or end < len(lines):
            body = "\n".join(f"{i}: {line}" for i, line in
                             enumerate(lines[start - 1:end], start=start))
            return ToolOutput(body, f"read {rel} lines {start}-{end}")
        return ToolOutput(text, f"read {rel} ({len(lines)} lines)")

    async def _list_files(self, args: dict[str, Any]) -> ToolOutput:
        base, rel = self.resolve(args.get("path") or ".")
        if not base.is_dir():
            raise ToolError(f"{rel} is not a directory")
        pattern = str(args.get("pattern") or "*")

        def walk() -> tuple[list[str], bool]:
            import fnmatch

            found: list[str] = []
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
                for name in sorted(filenames):
                    full = Path(dirpath) / name
                    file_rel = full.relative_to(self.root).as_posix()
                    if self._secret(file_rel) or not fnmatch.fnmatch(name, pattern):
                        continue
                    found.append(file_rel)
                    if len(found) >= MAX_LIST:
                        return found, True
            return found, False
        files, more = await asyncio.to_thread(walk)
        text = "\n".join(files) + (f"\n… (first {MAX_LIST} shown)" if more else "")
        return ToolOutput(text or "(no files)", f"{len(files)} files under {rel}")

    async def _search_code(self, args: dict[str, Any]) -> ToolOutput:
        query = str(args.get("query") or "").strip()
        if not query:
            raise ToolError("query must not be empty")
        limit = min(max(int(args.get("limit") or 8), 1), 25)
        blocks: list[str] = []
        hits = await self.ws.service(SearchService).search(query, limit=limit, kinds=["code"])
        for h in hits:
            if h.path and not self._secret(h.path):
                blocks.append(f"{h.path}:{h.start_line + 1}-{h.end_line + 1}"
                              f"{f' ({h.symbol})' if h.symbol else ''}\n{h.snippet.rstrip()}")
        if not blocks:  # no index (semantic layer off or not built yet): plain text search
            blocks = await self._grep(query, limit, fixed=True)
        if not blocks:
            return ToolOutput(f"no matches for {query!r}", "no matches")
        return ToolOutput("\n\n".join(blocks), f"{len(blocks)} matches for {query!r}")

    async def _grep(self, pattern: str, limit: int, fixed: bool) -> list[str]:
        args = ["grep", "-n", "-I", "-i", "--untracked", "-e", pattern]
        if fixed:
            args.insert(1, "-F")
        else:
            args.insert(1, "-E")
        code, out = await self._git(self.root, args)
        if code not in (0, 1):
            return []
        hits = []
        for line in out.splitlines():
            path, _, rest = line.partition(":")
            if not rest or self._secret(path):
                continue
            hits.append(f"{path}:{rest.strip()[:300]}")
            if len(hits) >= limit * 3:
                break
        return hits

    async def _find_symbol(self, args: dict[str, Any]) -> ToolOutput:
        name = str(args.get("name") or "").strip()
        if not re.fullmatch(r"[A-Za-z_$][\w$.:]*", name):
            raise ToolError("name must be an identifier (optionally qualified)")
        symbols = await self.ws.service(CodeService).workspace_symbols(name, 20)
        lines = [f"{s.qualified_name} ({s.kind}) {s.path}:{s.start_line + 1}"
                 + (f" — {s.signature}" if s.signature else "")
                 for s in symbols if not self._secret(s.path)]
        if not lines:
            short = re.escape(name.split(".")[-1].split(":")[-1])
            lines = await self._grep(
                rf"(def|class|function|fn|func|interface|struct|enum|trait|type)\s+{short}\b",
                20, fixed=False)
        if not lines:
            return ToolOutput(f"no definition of {name!r} found", "not found")
        return ToolOutput("\n".join(lines), f"{len(lines)} definitions of {name}")

    async def _graph(self, args: dict[str, Any], direction: str) -> ToolOutput:
        symbol = str(args.get("symbol") or "").strip()
        if not symbol:
            raise ToolError("symbol must not be empty")
        depth = min(max(int(args.get("depth") or 1), 1), 5)
        service = self.ws.service(CodeService)
        find = service.callers if direction == "callers" else service.callees
        edges = await find(symbol, depth=depth)
        lines = []
        for e in edges:
            other = e.caller if direction == "callers" else e.callee
            lines.append(f"{'  ' * (e.depth - 1)}{other.qualified_name}"
                         f" ({other.path}:{e.line + 1}, {e.confidence})")
        if not lines:
            return ToolOutput(f"no {direction} of {symbol} known", f"no {direction}")
        return ToolOutput("\n".join(lines), f"{len(lines)} {direction} of {symbol}")

    async def _callers(self, args: dict[str, Any]) -> ToolOutput:
        return await self._graph(args, "callers")

    async def _callees(self, args: dict[str, Any]) -> ToolOutput:
        return await self._graph(args, "callees")

    async def _cochange(self, args: dict[str, Any]) -> ToolOutput:
        path, rel = self.resolve(args.get("path"))
        answer = await self.ws.cochange(path, limit=min(int(args.get("limit") or 10), 50))
        items = [s for s in answer.items if not self._secret(s.path)]
        if not items:
            return ToolOutput(answer.note or f"no files usually change with {rel}",
                              "no co-changed files")
        lines = [f"{s.path} — {round(s.confidence * 100)} % ({s.shared_commits} shared"
                 f" commit{'' if s.shared_commits == 1 else 's'})" for s in items]
        return ToolOutput("\n".join(lines), f"{len(items)} files change with {rel}")

    async def _experts(self, args: dict[str, Any]) -> ToolOutput:
        path, rel = self.resolve(args.get("path"))
        service = self.ws.service(ExpertiseService)
        line = args.get("line")
        found = await service.experts(path, int(line) - 1 if line else None, 5)
        if not found:
            return ToolOutput(f"no authorship known for {rel}", "no experts")
        lines = [f"{e.name} <{e.email}> — {round(e.score * 100)} %, {e.commits} commits"
                 for e in found]
        return ToolOutput("\n".join(lines), f"{len(found)} experts for {rel}")

    async def _blame(self, args: dict[str, Any]) -> ToolOutput:
        path, rel = self.resolve(args.get("path"))
        line = int(args["line"])
        service = self.ws.service(ExpertiseService)
        found = await service.blame_line(path, max(line - 1, 0))
        if found is None:
            return ToolOutput(f"no blame for {rel}:{line}", "no blame")
        return ToolOutput(f"{found.short} {found.author} <{found.email}>: {found.subject}",
                          f"{rel}:{line} last changed in {found.short}")

    async def _fixes(self, args: dict[str, Any]) -> ToolOutput:
        error = str(args.get("error") or "").strip()
        if not error:
            raise ToolError("error must not be empty")
        limit = min(int(args.get("limit") or 3), 10)
        found = await self.ws.service(BuildService).fixes_for(error, None, limit)
        if not found:
            return ToolOutput("no similar past fix found", "no past fixes")
        blocks = [f"{f.commit[:10]} {f.summary} (similarity {f.similarity:.2f})\nfiles: "
                  + ", ".join(p for p in f.files[:8] if not self._secret(p))
                  + f"\n{f.hunk[:1500]}" for f in found]
        return ToolOutput("\n\n".join(blocks), f"{len(found)} similar past fixes")

    async def _build_errors(self, args: dict[str, Any]) -> ToolOutput:
        limit = min(int(args.get("limit") or 20), 100)
        errors = await self.ws.service(BuildService).recent_errors(limit)
        if not errors:
            return ToolOutput("no recent build errors", "no build errors")
        lines = [f"{e.path or '?'}:{e.line or 0} [{e.tool}{' ' + e.code if e.code else ''}]"
                 f" {e.message}" for e in errors if not (e.path and self._secret(e.path))]
        return ToolOutput("\n".join(lines), f"{len(errors)} recent build errors")

    # -- git ---------------------------------------------------------------------------
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

    def _rev(self, raw: Any) -> str:
        rev = str(raw or "").strip()
        if not _REV.match(rev) or ".." in rev:
            raise ToolError(f"not a commit: {rev!r}")
        return rev

    async def _git_log(self, args: dict[str, Any]) -> ToolOutput:
        limit = min(max(int(args.get("limit") or 15), 1), 100)
        cmd = ["log", f"-{limit}", "--date=short", "--format=%h %ad %an: %s"]
        if args.get("path"):
            path, _ = self.resolve(args["path"], must_exist=False)
            root = self._repo_root(path)
            cmd += ["--follow", "--", path.relative_to(root).as_posix()]
        else:
            root = self._repo_root()
        code, out = await self._git(root, cmd)
        if code != 0:
            raise ToolError(out.strip()[:300] or "git log failed")
        return ToolOutput(out.strip() or "(no commits)", f"{len(out.splitlines())} commits")

    def _safe_paths(self, names: str) -> tuple[list[str], int]:
        """The non-secret paths of ``git --name-only`` output, and how many were hidden."""
        paths = [p for p in names.splitlines() if p.strip()]
        safe = [p for p in paths if not self._secret(p)]
        return safe, len(paths) - len(safe)

    async def _git_show(self, args: dict[str, Any]) -> ToolOutput:
        rev = self._rev(args.get("commit"))
        root = self._repo_root()
        code, names = await self._git(root, ["show", "--format=", "--name-only",
                                             "--end-of-options", rev])
        if code != 0:
            raise ToolError(f"unknown commit {rev!r}")
        safe, hidden = self._safe_paths(names)
        code, head = await self._git(root, ["show", "-s", "--format=%H%n%an <%ae> %ad%n%n%B",
                                            "--end-of-options", rev])
        diff = ""
        if safe:
            _, diff = await self._git(root, ["show", "--format=", "--stat", "-p",
                                             "--end-of-options", rev, "--", *safe])
        note = f"\n({hidden} file(s) that may contain secrets are not shown)" if hidden else ""
        return ToolOutput(head.strip() + "\n\n" + diff + note, f"commit {rev[:10]}")

    async def _git_diff(self, args: dict[str, Any]) -> ToolOutput:
        root = self._repo_root()
        base = ["diff", "--cached"] if args.get("staged") else ["diff"]
        if args.get("path"):
            path, _ = self.resolve(args["path"], must_exist=False)
            pathspecs = [path.relative_to(root).as_posix()]
        else:
            _, names = await self._git(root, [*base, "--name-only"])
            pathspecs, hidden = self._safe_paths(names)
            if not pathspecs:
                return ToolOutput("no changes" + (" (besides files with secrets)"
                                                  if hidden else ""), "no changes")
        _, out = await self._git(root, [*base, "--", *pathspecs])
        return ToolOutput(out or "no changes", f"{out.count('diff --git')} changed files")

    # -- proposals and commands ---------------------------------------------------------
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
        current = safety.read_text(self.root, path, self.secret_globs) if path.exists() else None
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
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=self.root, env=env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True)
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), cfg.run_command_timeout_s)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise ToolError(f"{command!r} timed out after {cfg.run_command_timeout_s:.0f} s"
                            ) from None
        except asyncio.CancelledError:
            proc.kill()
            await proc.wait()
            raise
        text = out.decode("utf-8", errors="replace")
        return ToolOutput(f"exit code {proc.returncode}\n{_cap(text, 8000)}",
                          f"{argv[0]} exited {proc.returncode}")
