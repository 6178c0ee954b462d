"""Build runs (``mira.runBuild``), ``mira-build`` diagnostics, and "similar past fixes".

Thin: the BuildService does the work; this module converts to LSP, streams build
output as progress, and offers past fixes as code actions on any diagnostic.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from lsprotocol import types

from mira.core.build.records import BuildError, PastFix
from mira.core.build.service import BuildService, BuildStartError
from mira.core.workspace import Workspace
from mira.lsp import protocol_build
from mira.lsp.convert import path_to_uri
from mira.lsp.documents import resolve
from mira.lsp.phase_runner import run_phase
from mira.lsp.progress import WorkProgress
from mira.lsp.server import MiraServer  # runtime import: pygls reads command annotations

log = logging.getLogger(__name__)

SOURCE = "mira-build"
RUN_BUILD = "mira.runBuild"
SHOW_FIXES = "mira.showFixes"
MAX_DIAGNOSTICS_PER_ACTION = 3
_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
             "info": types.DiagnosticSeverity.Information}


def _diagnostic(error: BuildError) -> types.Diagnostic:
    line = error.line or 0
    col = error.column or 0
    return types.Diagnostic(
        range=types.Range(types.Position(line, col), types.Position(line, col + 1 if
                                                                    error.column is not None
                                                                    else 10_000)),
        message=error.message, severity=_SEVERITY.get(error.severity,
                                                      types.DiagnosticSeverity.Error),
        source=SOURCE, code=error.code or error.tool,
        data={"tool": error.tool, "fingerprint": error.fingerprint, "runId": error.run_id})


async def publish(ls: MiraServer, ws: Workspace) -> int:
    """Publish the latest run's errors of every command; clear what is no longer reported."""
    service = ws.service(BuildService)
    errors = await service.current_errors()
    by_uri: dict[str, list[types.Diagnostic]] = {}
    for error in errors:
        path = service.is_local(error.path)
        if path is None:
            continue
        by_uri.setdefault(path_to_uri(path), []).append(_diagnostic(error))
    published = ls.state.build_published
    ws_prefix = path_to_uri(ws.root)
    for uri in list(published):
        if uri.startswith(ws_prefix) and uri not in by_uri:
            ls.diagnostics.set(uri, SOURCE, [])
            published.discard(uri)
    for uri, diagnostics in by_uri.items():
        ls.diagnostics.set(uri, SOURCE, diagnostics)
        published.add(uri)
    return sum(len(d) for d in by_uri.values())


def fix_item(fix: PastFix) -> protocol_build.FixItem:
    return protocol_build.FixItem(
        commit=fix.commit, short=fix.commit[:7], summary=fix.summary,
        similarity=fix.similarity, files=fix.files, hunk=fix.hunk, author=fix.author,
        date=dt.datetime.fromtimestamp(fix.time, tz=dt.UTC).isoformat(timespec="seconds"))


async def fixes_result(ls: MiraServer, message: str, uri: str | None,
                       limit: int | None) -> protocol_build.FixesResult:
    ws = None
    path = None
    if uri:
        doc = await resolve(ls, uri)
        if doc is not None:
            ws, path = doc.workspace, doc.path
    if ws is None:
        ws = next(iter(ls.state.workspaces.values()), None)
    if ws is None:
        return protocol_build.FixesResult(fixes=[], note="no workspace is open")
    fixes = await ws.service(BuildService).fixes_for(message, path, limit or 5)
    note = None if fixes else "no similar past fix found"
    return protocol_build.FixesResult(fixes=[fix_item(f) for f in fixes], note=note)


async def fixes_actions(ls: MiraServer, params: types.CodeActionParams
                        ) -> list[types.CodeAction]:
    uri = params.text_document.uri
    actions: list[types.CodeAction] = []
    for diagnostic in params.context.diagnostics[:MAX_DIAGNOSTICS_PER_ACTION]:
        if diagnostic.source == "mira" and diagnostic.code == "cochange":
            continue
        result = await fixes_result(ls, diagnostic.message, uri, 5)
        if not result.fixes:
            continue
        top = result.fixes[0]
        author = top.author.split(" ")[0].lower() if top.author else "unknown"
        args: list[Any] = [diagnostic.message, uri]
        actions.append(types.CodeAction(
            title=f"Similar error fixed in {top.short} ({author}, {top.date[:7]}): view the diff",
            kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
            command=types.Command(title="view the diff", command=SHOW_FIXES,
                                  arguments=[*args, top.commit])))
        actions.append(types.CodeAction(
            title=f"Show similar past fixes ({len(result.fixes)})",
            kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
            command=types.Command(title="Show similar past fixes", command=SHOW_FIXES,
                                  arguments=args)))
    return actions


async def run_build(ls: MiraServer, ws: Workspace, commands: list[str] | None
                    ) -> dict[str, Any]:
    service = ws.service(BuildService)
    async with WorkProgress(ls, "Mira: build") as progress:
        count = [0]

        def on_line(line: str) -> None:
            count[0] += 1
            if count[0] % 20 == 1:
                progress.report(0, None, line[:200])

        try:
            runs = await service.run(commands, on_line=on_line,
                                     cancelled=lambda: progress.cancelled)
        except BuildStartError as exc:
            ls.show(str(exc))
            return {"runs": [], "message": str(exc)}
    for run in runs:
        if run.status in ("error", "timeout"):
            ls.show(f"build `{run.command}`: {run.message}")
    published = await publish(ls, ws)
    return {"runs": [{
        "id": r.id, "command": r.command, "status": r.status, "exitCode": r.exit_code,
        "durationS": round(r.duration_s, 3), "errors": len(r.errors), "message": r.message,
        "resolved": r.resolved, "truncated": r.truncated} for r in runs],
        "diagnostics": published}


def register(server: MiraServer) -> None:
    server.providers.code_action.append(fixes_actions)

    async def on_indexed(ls: MiraServer, ws: Any) -> None:
        if isinstance(ws, Workspace):
            await publish(ls, ws)
            ls.state.spawn(_mine(ls, ws), f"mine fixes {ws.root}")

    server.providers.git_indexed.append(on_indexed)

    @server.feature(protocol_build.FIXES)
    async def fixes(ls: MiraServer, params: protocol_build.FixesParams
                    ) -> protocol_build.FixesResult:
        uri = params.text_document.uri if params.text_document else None
        return await fixes_result(ls, params.message, uri, params.limit)

    @server.command(RUN_BUILD)
    async def run_build_command(ls: MiraServer, *args: Any) -> dict[str, Any]:
        """Arguments: optional ``[command, ...]`` or ``[[command, ...]]``; default configured."""
        commands: list[str] | None = None
        flat = list(args[0]) if len(args) == 1 and isinstance(args[0], list) else list(args)
        if flat and all(isinstance(a, str) for a in flat):
            commands = flat
        results: dict[str, Any] = {"runs": []}
        for ws in list(ls.state.workspaces.values()):
            results = await run_build(ls, ws, commands)
        return results

    @server.command(SHOW_FIXES)
    async def show_fixes(ls: MiraServer, message: str, uri: str | None = None,
                         commit: str | None = None) -> dict[str, Any]:
        result = await fixes_result(ls, message, uri, 5)
        chosen = next((f for f in result.fixes if f.commit == commit), None)
        if chosen is None and result.fixes:
            choice = await ls.ask_client(ls.window_show_message_request_async(
                types.ShowMessageRequestParams(
                    type=types.MessageType.Info, message="Similar errors were fixed in:",
                    actions=[types.MessageActionItem(title=f"{f.short} {f.summary[:60]}")
                             for f in result.fixes])), "window/showMessageRequest")
            if choice is not None:
                chosen = next((f for f in result.fixes
                               if choice.title.startswith(f.short + " ")), None)
        if chosen is not None:
            ls.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Info,
                message=f"{chosen.short} {chosen.summary} ({chosen.author})\n\n{chosen.hunk}"))
        return ls.converter.unstructure(result)


async def _mine(ls: MiraServer, ws: Workspace) -> None:
    """Fix mining as a phase of its own: failures are retried and shown, never "done"."""
    service = ws.service(BuildService)
    stored = await run_phase(ls, ws, "fixes", lambda report, cancelled: service._mine(),
                             progress=False, retry=lambda: _mine(ls, ws))
    if stored is not None:
        ws.phases.finish("fixes", f"{stored} new commits mined")
