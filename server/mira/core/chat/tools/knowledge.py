"""Knowledge tools: files, search, symbols and the call graph, co-change, experts, blame,
past fixes and build errors — what Mira knows, read-only."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from mira.core.build.service import BuildService
from mira.core.chat.tools.box import (
    INT,
    READ_MAX_BYTES,
    STR,
    Tool,
    ToolBase,
    ToolError,
    ToolOutput,
    obj_schema,
)
from mira.core.code.service import CodeService
from mira.core.expertise.service import ExpertiseService
from mira.core.semantic.service import SearchService

MAX_LIST = 200


class KnowledgeTools(ToolBase):
    def _knowledge_tools(self) -> list[Tool]:
        return [
            Tool("read_file", "Read a text file of the workspace (optionally a 1-based line"
                 " range).", obj_schema(["path"], path=STR, start_line=INT, end_line=INT),
                 self._read_file),
            Tool("list_files", "List files under a workspace directory (optionally filtered"
                 " by a glob such as '*.py').", obj_schema(path=STR, pattern=STR),
                 self._list_files),
            Tool("search_code", "Search the code (hybrid keyword + semantic search, or text"
                 " search) for a query.", obj_schema(["query"], query=STR, limit=INT),
                 self._search_code),
            Tool("find_symbol", "Find where a function/class/method is defined.",
                 obj_schema(["name"], name=STR), self._find_symbol),
            Tool("callers", "Functions that call a symbol (qualified name).",
                 obj_schema(["symbol"], symbol=STR, depth=INT), self._callers),
            Tool("callees", "Functions a symbol (qualified name) calls.",
                 obj_schema(["symbol"], symbol=STR, depth=INT), self._callees),
            Tool("cochange", "Files usually changed together with a file, from git history.",
                 obj_schema(["path"], path=STR, limit=INT), self._cochange),
            Tool("experts", "Who knows a file best (git authorship, recency).",
                 obj_schema(["path"], path=STR, line=INT), self._experts),
            Tool("blame", "Last commit that changed a line (1-based) of a file.",
                 obj_schema(["path", "line"], path=STR, line=INT), self._blame),
            Tool("fixes", "Past commits that fixed an error similar to this message.",
                 obj_schema(["error"], error=STR, limit=INT), self._fixes),
            Tool("build_errors", "Errors of the most recent builds/test runs.",
                 obj_schema(limit=INT), self._build_errors),
        ]

    async def _read_file(self, args: dict[str, Any]) -> ToolOutput:
        path, rel = self.resolve(args.get("path"))
        if path.is_dir():
            raise ToolError(f"{rel} is a directory; use list_files")
        read = await asyncio.to_thread(self.gate.read, path, READ_MAX_BYTES, True)
        if read.status == "secret":
            raise ToolError(f"{rel} may contain secrets and is never read ({read.reason})")
        if read.text is None:
            raise ToolError(f"{rel} is binary or unreadable")
        text = read.text + ("\n… (file truncated)" if read.truncated else "")
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

            prefix = "" if rel == "." else rel + "/"
            found = [f for f in self.gate.list_files() if f.startswith(prefix)
                     and fnmatch.fnmatch(f.rsplit("/", 1)[-1], pattern)]
            return found[:MAX_LIST], len(found) > MAX_LIST
        listed, more = await asyncio.to_thread(walk)
        text = "\n".join(listed) + (f"\n… (first {MAX_LIST} shown)" if more else "")
        return ToolOutput(text or "(no files)", f"{len(listed)} files under {rel}")

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

