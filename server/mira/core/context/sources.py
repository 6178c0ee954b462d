"""The Context Oracle's sources: one small gatherer per kind of knowledge.

Each gatherer turns a question (plus the open file and cursor) into a typed
``SourceResult`` rendered as one markdown section, within the token cap the
oracle gives it. Sources backed by another feature area's service import it
directly, typed; a source that does not apply raises ``Skip`` (reported, never
fatal).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira.core import files
from mira.core.build.service import BuildService
from mira.core.code.model import Symbol
from mira.core.code.service import CodeService
from mira.core.context.tokens import count_tokens, truncate_to_tokens
from mira.core.expertise.service import ExpertiseService
from mira.core.semantic.service import SearchHit, SearchService

if TYPE_CHECKING:
    from mira.core.workspace import Workspace


class Skip(Exception):
    """The source does not apply or is not available; the message says why."""


@dataclass
class GatherInput:
    """What the gatherers read of a ``ContextRequest`` (the selection and diagnostics reach
    them only as ``error_text``), and of the workspace's settings."""

    workspace: Workspace
    question: str
    path: Path | None = None  # absolute path of the current document
    line: int | None = None  # 0-based
    error_text: str | None = None  # the error in the question/diagnostics, when there is one
    secret_globs: tuple[str, ...] = ()
    guideline_files: tuple[str, ...] = ()

    def gate(self) -> files.Gate:
        return files.Gate(self.workspace.root, self.secret_globs)

    def rel_path(self) -> str | None:
        """The current document relative to its repository (or the workspace)."""
        if self.path is None:
            return None
        repo = self.workspace.repo_for(self.path)
        base = repo.root if repo else self.workspace.root
        try:
            return self.path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            return None


@dataclass
class GuidelineDoc:
    path: str
    text: str


@dataclass
class CochangeFile:
    path: str
    confidence: float
    shared_commits: int
    reason: str


@dataclass
class SourceResult:
    """One gatherer's answer: its typed items and their markdown rendering."""

    source: str
    title: str
    items: list[Any]
    markdown: str
    citations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return count_tokens(self.markdown)

    def items_json(self) -> list[Any]:
        return [dataclasses.asdict(i) if dataclasses.is_dataclass(i) and not isinstance(i, type)
                else i for i in self.items]


Gatherer = Callable[[GatherInput, int], Awaitable[SourceResult]]

# -- error detection -------------------------------------------------------------------

_ERROR = re.compile(
    r"Traceback \(most recent call last\)|\b[A-Z]\w*(?:Error|Exception)\b|\berror(?:\[\w+\])?:"
    r"|\bpanicked at\b|\bFAILED\b|\bTS\d{4}\b|\bE\d{4}\b|\bsegmentation fault\b"
    r"|\bundefined reference\b|\bcannot find (?:symbol|module)\b|\bexit (?:code|status) [1-9]",
    re.IGNORECASE)


def find_error(question: str, diagnostics: list[str]) -> str | None:
    """The error text in the question or a diagnostic, or None when there is none."""
    for text in (question, *diagnostics):
        if text and _ERROR.search(text):
            return text
    return None


# -- helpers ---------------------------------------------------------------------------

def _need_path(inp: GatherInput) -> Path:
    if inp.path is None:
        raise Skip("no file is open")
    return inp.path


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
_STOP_WORDS = (
    "the and for with that this what why how does from into when where which are was were "
    "have has not can could should would will there their them then than use used using "
    "about error errors fix fixed file files code function method class make makes")
_STOP = frozenset(_STOP_WORDS.split(" "))


def keywords(text: str, limit: int = 4) -> list[str]:
    """Identifier-like words of a question, most specific first (longest, then first seen)."""
    seen: dict[str, int] = {}
    for i, m in enumerate(_WORD.finditer(text)):
        word = m.group()
        if word.lower() in _STOP or word in seen:
            continue
        seen[word] = i
    special = sorted(seen, key=lambda w: (-(("_" in w) or any(c.isupper() for c in w[1:])),
                                          -len(w), seen[w]))
    return special[:limit]


def _fit(lines: list[str], cap: int) -> str:
    """Join markdown lines (items) while they fit in ``cap`` tokens."""
    kept: list[str] = []
    used = 0
    for line in lines:
        cost = count_tokens(line) + 1
        if used + cost > cap:
            if not kept:
                kept.append(truncate_to_tokens(line, cap))
            break
        kept.append(line)
        used += cost
    return "\n".join(kept)


def _date(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%d")


# -- gatherers -------------------------------------------------------------------------

GUIDELINE_MAX_BYTES = 256 * 1024
DEFAULT_GUIDELINES = ("AGENTS.md", "CLAUDE.md", "CONTRIBUTING.md", ".mira/guidelines.md")


async def guidelines(inp: GatherInput, cap: int) -> SourceResult:
    ws = inp.workspace
    roots = [ws.root]
    if inp.path is not None and (repo := ws.repo_for(inp.path)) is not None \
            and repo.root != ws.root:
        roots.insert(0, repo.root)
    docs: list[GuidelineDoc] = []
    seen: set[Path] = set()
    gate = files.Gate(ws.root, inp.secret_globs)
    for root in roots:
        for name in inp.guideline_files or DEFAULT_GUIDELINES:
            candidate = gate.inside(root / name)
            if candidate is None or candidate in seen:
                continue
            # the name as given too: a guideline symlinked to a secret is refused
            text = gate.read_text(root / name, GUIDELINE_MAX_BYTES)
            if text is None or not text.strip():
                continue
            seen.add(candidate)
            docs.append(GuidelineDoc(candidate.relative_to(ws.root).as_posix(), text.strip()))
    if not docs:
        raise Skip("no guideline file (" + ", ".join(inp.guideline_files or DEFAULT_GUIDELINES)
                   + ")")
    share = max(cap // len(docs), 64)
    parts = [f"From `{d.path}`:\n\n" + truncate_to_tokens(d.text, share - 12) for d in docs]
    return SourceResult("guidelines", "Project Guidelines", docs,
                        truncate_to_tokens("\n\n".join(parts), cap),
                        [{"path": d.path} for d in docs])


async def code_search(inp: GatherInput, cap: int) -> SourceResult:
    service = inp.workspace.service(SearchService)
    # code only: commits are their own result kind (the fixes and co-change sections carry
    # the history), and a commit hit has no path to check or show
    found = await service.search(inp.question, limit=3 * CODE_HITS, kinds=["code"])
    hits: list[SearchHit] = []
    per_file: dict[str, int] = {}
    for h in found:  # several files rather than one file's many symbols
        if h.path is None or inp.gate().is_secret(h.path) or \
                per_file.get(h.path, 0) >= CODE_HITS_PER_FILE:
            continue
        per_file[h.path] = per_file.get(h.path, 0) + 1
        hits.append(h)
        if len(hits) == CODE_HITS:
            break
    if not hits:
        raise Skip("no matching code")
    blocks = []
    for h in hits:
        label = f" `{h.symbol}`" if h.symbol else ""
        blocks.append(f"### `{h.path}` lines {h.start_line + 1}-{h.end_line + 1}{label}\n"
                      f"```\n{h.snippet.rstrip()}\n```")
    return SourceResult("code_search", "Relevant Code", hits, _fit(blocks, cap),
                        [{"path": h.path, "line": h.start_line} for h in hits])


CALLABLE = ("function", "method")
CODE_HITS = 8
CODE_HITS_PER_FILE = 2


def _symbol_line(s: Symbol) -> str:
    sig = f" — `{s.signature}`" if s.signature else ""
    return f"- `{s.qualified_name}` ({s.kind}) in `{s.path}:{s.start_line + 1}`{sig}"


async def _current_symbols(inp: GatherInput, service: CodeService) -> list[Symbol]:
    """The current file's symbols (never a secret file's: its names are its content)."""
    path = _need_path(inp)
    rel = inp.rel_path()
    if rel is None or inp.gate().path_secret(path):
        raise Skip("the current file is outside the workspace or a secret")
    return [s for s in await service.document_symbols(path) if s.kind != "module"]


async def concepts(inp: GatherInput, cap: int) -> SourceResult:
    """Symbols elsewhere that share the question's words and the current symbol's name."""
    service = inp.workspace.service(CodeService)
    words = keywords(inp.question)
    current: Symbol | None = None
    if inp.path is not None and inp.line is not None:
        try:
            symbols = await _current_symbols(inp, service)
        except Skip:
            symbols = []
        inside = [s for s in symbols if s.start_line <= inp.line <= s.end_line]
        current = max(inside, key=lambda s: s.start_line, default=None)
        if current is not None and current.name not in words:
            words.append(current.name)
    if not words:
        raise Skip("no concept words in the question")
    found: list[Symbol] = []
    seen: set[str] = {current.qualified_name} if current is not None else set()
    gate = files.Gate(inp.workspace.root, inp.secret_globs)
    for word in words:
        for s in await service.concepts(word, limit=8):
            if s.qualified_name not in seen and not gate.is_secret(s.path):
                seen.add(s.qualified_name)
                found.append(s)
    if not found:
        raise Skip("no related concepts")
    return SourceResult("concepts", "Related Concepts", found,
                        _fit([_symbol_line(s) for s in found], cap),
                        [{"path": s.path, "line": s.start_line} for s in found])


async def symbols(inp: GatherInput, cap: int) -> SourceResult:
    """The outline of the current file: what is defined where, with signatures."""
    service = inp.workspace.service(CodeService)
    found = await _current_symbols(inp, service)
    if not found:
        raise Skip("no symbols in the current file")
    depth = {s.qualified_name: 0 for s in found}
    lines = [f"`{inp.rel_path()}` defines:"]
    for s in found:
        level = depth[s.parent] + 1 if s.parent in depth else 0
        depth[s.qualified_name] = level
        sig = f" — `{s.signature}`" if s.signature else ""
        lines.append(f"{'  ' * level}- `{s.name}` ({s.kind}, line {s.start_line + 1}){sig}")
    return SourceResult("symbols", "Symbols in the Current File", found, _fit(lines, cap),
                        [{"path": found[0].path}])


async def call_graph(inp: GatherInput, cap: int) -> SourceResult:
    """Callers and callees of the symbol at the cursor, else of the file's functions."""
    service = inp.workspace.service(CodeService)
    symbols_here = await _current_symbols(inp, service)
    path = _need_path(inp)
    at_cursor = None if inp.line is None else await service.symbol_at(path, inp.line)
    targets = [at_cursor] if at_cursor is not None else [
        s for s in symbols_here if s.kind in CALLABLE][:4]
    if not targets:
        raise Skip("no function in the current file")
    lines: list[str] = []
    items: list[Any] = []
    for symbol in targets:
        callers = await service.callers(symbol.qualified_name, depth=1)
        callees = await service.callees(symbol.qualified_name, depth=1)
        if len(targets) > 1 and not callers and not callees:
            continue
        lines.append(f"`{symbol.qualified_name}` ({symbol.kind}, `{symbol.path}:"
                     f"{symbol.start_line + 1}`)")
        lines += [f"- called by `{e.caller.qualified_name}` (`{e.caller.path}:{e.line + 1}`)"
                  for e in callers if not inp.gate().is_secret(e.caller.path)]
        lines += [f"- calls `{e.callee.qualified_name}` (`{e.callee.path}:"
                  f"{e.callee.start_line + 1}`)" for e in callees
                  if not inp.gate().is_secret(e.callee.path)]
        items += [symbol, *callers, *callees]
    if not lines:
        raise Skip("no calls into or out of the current file's functions")
    return SourceResult("call_graph", "Call Graph", items, _fit(lines, cap),
                        [{"path": t.path, "line": t.start_line} for t in targets])


async def cochange(inp: GatherInput, cap: int) -> SourceResult:
    path = _need_path(inp)
    answer = await inp.workspace.cochange(path, limit=10)
    if not answer.items:
        raise Skip(answer.note or "no co-changed files")
    files = [CochangeFile(s.path, s.confidence, s.shared_commits, s.reason)
             for s in answer.items]
    lines = [f"Files usually changed together with `{answer.path}`:"]
    lines += [f"- `{f.path}` — {round(f.confidence * 100)} % ({f.shared_commits} shared"
              f" commit{'' if f.shared_commits == 1 else 's'})" for f in files]
    return SourceResult("cochange", "Related Files (Often Changed Together)", files,
                        _fit(lines, cap), [{"path": f.path} for f in files])


async def fixes(inp: GatherInput, cap: int) -> SourceResult:
    if not inp.error_text:
        raise Skip("no error in the question or diagnostics")
    service = inp.workspace.service(BuildService)
    found = await service.fixes_for(inp.error_text, inp.path, 3)
    if not found:
        raise Skip("no similar past fix")
    blocks = []
    for f in found:
        head = (f"### `{f.commit[:10]}` {f.summary} ({f.author}, {_date(f.time)},"
                f" similarity {f.similarity:.2f})\nFiles: " + ", ".join(f"`{p}`" for p in
                                                                        f.files[:8]))
        hunk = truncate_to_tokens(f.hunk, max(cap // max(len(found), 1) - 60, 40))
        blocks.append(head + (f"\n```diff\n{hunk}\n```" if hunk.strip() else ""))
    return SourceResult("fixes", "Similar Past Fixes", found, _fit(blocks, cap),
                        [{"commit": f.commit, "path": f.files[0] if f.files else None}
                         for f in found])


async def patterns(inp: GatherInput, cap: int) -> SourceResult:
    service = inp.workspace.service(CodeService)
    found = await service.patterns(inp.path)
    if not found:
        raise Skip("no design pattern detected")
    lines = [f"- {p.pattern}: `{p.symbol.qualified_name}` (`{p.symbol.path}`,"
             f" confidence {p.confidence:.2f})" for p in found]
    return SourceResult("patterns", "Detected Patterns", found, _fit(lines, cap),
                        [{"path": p.symbol.path, "line": p.symbol.start_line} for p in found])


async def build_errors(inp: GatherInput, cap: int) -> SourceResult:
    service = inp.workspace.service(BuildService)
    errors = await service.recent_errors(20)
    if not errors:
        raise Skip("no recent build errors")
    lines = []
    for e in errors:
        where = f"`{e.path}:{(e.line or 0) + 1}`" if e.path else "(no file)"
        code = f" {e.code}" if e.code else ""
        lines.append(f"- {where} [{e.tool}{code}] {e.message}")
    return SourceResult("build_errors", "Recent Build Errors", errors, _fit(lines, cap),
                        [{"path": e.path, "line": e.line} for e in errors if e.path])


async def resolutions(inp: GatherInput, cap: int) -> SourceResult:
    service = inp.workspace.service(BuildService)
    found = await service.resolutions(10)
    if not found:
        raise Skip("no recorded error resolutions")
    lines = []
    for r in found:
        where = (f"in `{r.resolved_by_commit[:10]}`" if r.resolved_by_commit
                 else "in the working tree")
        lines.append(f"- {r.message} — resolved {where} by changing "
                     + ", ".join(f"`{p}`" for p in r.files[:6]))
    return SourceResult("resolutions", "Past Error Resolutions", found, _fit(lines, cap),
                        [{"commit": r.resolved_by_commit} for r in found
                         if r.resolved_by_commit])


async def experts(inp: GatherInput, cap: int) -> SourceResult:
    path = _need_path(inp)
    service = inp.workspace.service(ExpertiseService)
    found = [e for e in await service.experts(path, inp.line, 5) if e.commits or e.lines]
    if not found:
        raise Skip("no experts for this file")
    lines = [f"- {e.name} <{e.email}> — score {e.score:.2f}, {e.commits} commits,"
             f" {e.lines} lines, last {_date(e.last_commit)}" for e in found]
    return SourceResult("experts", "Domain Experts", found, _fit(lines, cap))


GATHERERS: dict[str, Gatherer] = {
    "guidelines": guidelines,
    "code_search": code_search,
    "concepts": concepts,
    "call_graph": call_graph,
    "symbols": symbols,
    "cochange": cochange,
    "fixes": fixes,
    "patterns": patterns,
    "build_errors": build_errors,
    "resolutions": resolutions,
    "experts": experts,
}
