"""BuildService: run builds, remember their errors, and find how similar errors were fixed.

The contract other feature areas call (``fixes_for``, ``recent_errors``,
``resolutions``) plus what the LSP and CLI layers need (``run``, ``current_errors``).
All blocking work (processes, git, SQLite) runs in worker threads.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING, TypeVar

from mira.core import files as workspace_files
from mira.core import secrets
from mira.core.build import history, store
from mira.core.build.detect import detect_commands
from mira.core.build.matching import Candidate, best_hunk, build_query, score
from mira.core.build.normalize import fingerprint, skeleton
from mira.core.build.parsers import parse_output
from mira.core.build.records import BuildError, BuildRun, ParsedError, PastFix, Resolution
from mira.core.build.runner import CancelFn, LineFn, run_command
from mira.core.stores.database import Priority

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)
T = TypeVar("T")
_WINDOWS = re.compile(r"^[A-Za-z]:[\\/]")


class BuildStartError(RuntimeError):
    """A build could not be started; the message says why."""


class BuildService:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self._lock = threading.Lock()
        self._mine_lock = threading.Lock()
        self._candidates: list[Candidate] | None = None
        self._candidates_key: object = None

    # -- configuration -----------------------------------------------------------------
    def commands(self) -> list[str]:
        configured = self.ws.config.build_commands
        if configured:
            return [c.strip() for c in configured.splitlines() if c.strip()]
        return detect_commands(self.ws.root)

    @property
    def _repo_root(self) -> Path | None:
        repo = self.ws.repo_for(self.ws.root) or (self.ws.repos[0] if self.ws.repos else None)
        return repo.root if repo else None

    # -- running -----------------------------------------------------------------------
    async def run(self, commands: list[str] | None = None, *, on_line: LineFn | None = None,
                  cancelled: CancelFn | None = None) -> list[BuildRun]:
        """Run ``commands`` (default: configured or detected) one after the other."""
        todo = commands or self.commands()
        if not todo:
            raise BuildStartError("no build command configured or detected; set buildCommands"
                              " (MIRA_BUILD_COMMANDS) or pass a command")
        results = []
        stop = threading.Event()  # set when the awaiting task is cancelled ($/cancelRequest)

        def should_stop() -> bool:
            return stop.is_set() or (cancelled is not None and cancelled())

        for command in todo:
            worker = asyncio.ensure_future(
                asyncio.to_thread(self._run_one, command, on_line, should_stop))
            try:
                run = await asyncio.shield(worker)
            except asyncio.CancelledError:
                stop.set()  # the runner kills the process group; the run is still recorded
                await asyncio.wait([worker])
                raise
            results.append(run)
            if run.status == "cancelled":
                break
        return results

    def _run_one(self, command: str, on_line: LineFn | None,
                 cancelled: CancelFn | None) -> BuildRun:
        repo = self._repo_root
        head = history.head_oid(repo) if repo else None
        started_at = time.time()
        cap = self.ws.config.build_output_cap_mb << 20
        out = run_command(command, self.ws.root,
                          timeout_s=self.ws.config.build_timeout_s,
                          on_line=on_line, cancelled=cancelled, head_bytes=cap * 4 // 5,
                          tail_bytes=cap // 5)
        dirty = history.dirty_files(repo) if repo else []
        parsed = [self._localize(e) for e in parse_output(out.output, command)]
        parsed = [dataclasses.replace(e, message=secrets.redact(e.message)) for e in parsed]
        if out.status == "failed" and not parsed:
            log.info("build %r failed without errors Mira recognises", command)
        with self._lock:
            def record(conn: sqlite3.Connection) -> tuple[int, list[BuildError], list[str]]:
                run_id, errors = store.insert_run(
                    conn, command=command, exit_code=out.exit_code, duration_s=out.duration_s,
                    started_at=started_at, head=head, dirty_files=dirty, status=out.status,
                    message=out.message, output_bytes=out.total_bytes, truncated=out.truncated,
                    errors=parsed)
                resolved: list[str] = []
                if out.status in ("passed", "failed"):
                    resolved = self._resolve(conn, command, run_id, errors, head, dirty)
                if repo is not None and head is not None:
                    self._attach_commits(conn, repo, head)
                return run_id, errors, resolved
            run_id, errors, resolved = self.ws.db.write(record, Priority.INTERACTIVE)
        return BuildRun(run_id, command, out.exit_code, out.duration_s, head, bool(dirty),
                        out.status, out.message, started_at, errors, out.truncated, resolved)

    def _localize(self, error: ParsedError) -> ParsedError:
        """Make the tool's path repository-relative (workspace-relative outside git)."""
        raw = error.path
        if not raw:
            return error
        base = self._repo_root or self.ws.root
        if _WINDOWS.match(raw) or "\\" in raw:
            error.path = PureWindowsPath(raw).as_posix()
            return error  # a Windows path cannot be inside this (POSIX) workspace
        candidate = Path(raw) if Path(raw).is_absolute() else self.ws.root / raw
        try:
            resolved = candidate.resolve()
        except OSError:
            return error
        if resolved == base or base in resolved.parents:
            error.path = resolved.relative_to(base).as_posix()
        else:
            error.path = raw  # outside the workspace: kept as the tool spelled it
        return error

    def is_local(self, rel: str | None) -> Path | None:
        """The absolute path of an error's file when it lies inside the workspace."""
        if not rel or _WINDOWS.match(rel) or rel.startswith(("/", "../")) or "/../" in rel:
            return None
        base = self._repo_root or self.ws.root
        path = (base / rel).resolve()
        if not self.ws.contains(path):
            return None
        return path

    def _resolve(self, conn: sqlite3.Connection, command: str, run_id: int,
                 errors: list[BuildError], head: str | None, dirty: list[str]) -> list[str]:
        prev = store.previous_run(conn, command, run_id)
        if prev is None:
            return []
        now_fps = {e.fingerprint for e in errors}
        gone: dict[str, BuildError] = {}
        for e in store.errors_of(conn, prev.id):
            if e.fingerprint not in now_fps:
                gone.setdefault(e.fingerprint, e)
        if not gone:
            return []
        repo = self._repo_root
        files = sorted(set(dirty) | set(history.changed_files(repo, prev.head, head))
                       | set(prev.dirty_files)) if repo else []
        commit = None
        if repo and prev.head and head and prev.head != head and not dirty:
            touching = history.commits_touching(repo, prev.head, head, files) if files else []
            commit = touching[-1] if touching else head
        diff = history.worktree_diff(repo, dirty, gate=self._gate(repo)) if repo and dirty \
            else ""
        store.insert_resolutions(conn, list(gone.values()), run_id=run_id,
                                 head_before=prev.head, head_after=head, files=files,
                                 commit=commit, diff=diff)
        return sorted(gone)

    def _attach_commits(self, conn: sqlite3.Connection, repo: Path, head: str) -> None:
        """Resolutions made in the working tree get their commit once it exists."""
        for res_id, head_after, files in store.uncommitted_resolutions(conn):
            if not head_after or head_after == head or not files:
                continue
            touching = history.commits_touching(repo, head_after, head, files)
            if touching:
                store.set_resolution_commit(conn, res_id, touching[0])

    # -- queries (the contract) --------------------------------------------------------
    async def recent_errors(self, limit: int = 20) -> list[BuildError]:
        return await asyncio.to_thread(self._read, lambda c: store.latest_errors(c, limit))

    async def current_errors(self) -> list[BuildError]:
        return await self.recent_errors(limit=100_000)

    async def resolutions(self, limit: int = 10) -> list[Resolution]:
        return await asyncio.to_thread(self._read, lambda c: store.resolutions(c, limit))

    async def runs(self, limit: int = 20) -> list[dict[str, object]]:
        return await asyncio.to_thread(self._read, lambda c: store.runs(c, limit))

    async def fixes_for(self, message: str, path: Path | None = None,
                        limit: int = 5) -> list[PastFix]:
        return await asyncio.to_thread(self._fixes_for, message, path, limit)

    async def mine_history(self) -> int:
        return await asyncio.to_thread(self._mine)

    # -- blocking helpers ----------------------------------------------------------------
    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return self.ws.db.run(fn)

    def _gate(self, repo: Path) -> workspace_files.Gate:
        """The gate for a repository (its paths are relative to the repository root)."""
        return workspace_files.Gate(repo, workspace_files.for_workspace(self.ws).secret_globs)

    def _mine(self) -> int:
        stored = 0
        with self._mine_lock:
            for repo in self.ws.repos:
                stored += history.mine(self.ws.db, repo.root, self._gate(repo.root))
        return stored

    def _load_candidates(self) -> list[Candidate]:
        conn = self.ws.db.read()
        roots = [str(r.root) for r in self.ws.repos]
        heads = conn.execute(
            "SELECT head_oid FROM fix_mining_state ORDER BY repo_root").fetchall()
        fixed = conn.execute("SELECT COUNT(*) FROM build_resolutions"
                             " WHERE commit_oid IS NOT NULL").fetchone()
        key: object = (tuple(heads), fixed)
        if self._candidates is not None and key == self._candidates_key:
            return self._candidates
        rows = store.fix_commit_rows(conn, roots)
        cands = [Candidate(str(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]),  # type: ignore[call-overload]
                           json.loads(str(r[5])), str(r[6]), bool(r[7])).prepare() for r in rows]
        self._candidates, self._candidates_key = cands, key
        return cands

    def _fixes_for(self, message: str, path: Path | None, limit: int) -> list[PastFix]:
        if self.ws.repos:
            try:
                self._mine()
            except Exception:  # mining is best effort; recorded resolutions still answer
                log.exception("mining the git history for fixes failed")
        rel = None
        if path is not None:
            repo = self.ws.repo_for(path)
            base = repo.root if repo else self.ws.root
            try:
                rel = path.resolve().relative_to(base).as_posix()
            except ValueError:
                rel = None
        query = build_query(message, rel)
        parsed = parse_output(message)
        fps = {fingerprint(p.tool, p.code, p.message) for p in parsed}
        skeletons = {skeleton(p.message) for p in parsed}
        if not parsed and len(message) < 2_000:
            skeletons |= {skeleton(line) for line in message.splitlines() if line.strip()}
        candidates = list(self._load_candidates())
        by_oid = {c.commit: c for c in candidates}
        recorded = self.ws.db.run(store.committed_resolutions)
        for fp, oid, diff, files, text in recorded:
            exact = fp in fps or skeleton(text) in skeletons
            base_cand = by_oid.get(oid)
            if base_cand is None:
                base_cand = Candidate(oid, "(fixed in a recorded build)", "", "", int(time.time()),
                                      files, diff, True).prepare()
                candidates.append(base_cand)
                by_oid[oid] = base_cand
            if exact:
                base_cand.exact = True
        try:
            ranked = score(query, candidates, time.time())[:limit]
        finally:
            for c in candidates:
                c.exact = False
        return [PastFix(commit=c.commit, summary=c.subject, similarity=sim, files=c.files,
                        hunk=best_hunk(query, c.diff), author=c.author, time=c.time)
                for sim, c in ranked if sim > 0.05]
