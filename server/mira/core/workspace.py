"""A workspace folder: its database, its git repositories, and the queries over them.

This is the API the LSP handlers and the CLI call. Everything here is
IDE-agnostic; blocking work (git, indexing) is run by the caller off the event
loop (``asyncio.to_thread``) and reads go through the async ``HistoryReader``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from mira.core import files
from mira.core.config import MiraConfig
from mira.core.git import calibration_store
from mira.core.git.cochange import CochangeParams, Suggestion
from mira.core.git.hints import CochangeHint, hints_for
from mira.core.git.history_store import HistoryReader, RepoState
from mira.core.git.indexer import CancelFn, GitIndexer, IndexResult, ProgressFn
from mira.core.git.repository import RepoInfo, find_repositories, relative_path, route
from mira.core.git.worktree import HeadTree, head_blob_text, modified_paths
from mira.core.phases import Phases
from mira.core.secrets_purge import purge_if_needed
from mira.core.stores.database import DB_FILE, Database
from mira.core.stores.location import choose_data_dir

log = logging.getLogger(__name__)

ServiceT = TypeVar("ServiceT")
HEAD_TEXTS_KEPT = 64  # HEAD versions of open files, to tell unsaved edits apart


@dataclass
class CochangeAnswer:
    path: str  # repository-relative
    repo_root: Path | None
    items: list[Suggestion]
    note: str | None = None  # why there are no items, when there is a reason


@dataclass
class WorkspaceStatus:
    root: str
    data_dir: str
    git: bool
    repositories: list[dict[str, Any]] = field(default_factory=list)
    message: str | None = None
    phases: list[dict[str, Any]] = field(default_factory=list)


class Workspace:
    def __init__(self, root: Path, config: MiraConfig | None = None) -> None:
        self.root = root.resolve()
        self.config = config or MiraConfig()
        self.location = choose_data_dir(self.root, self.config.data_dir)
        self.data_dir = self.location.path
        self.db_path = self.data_dir / DB_FILE
        self.repos: list[RepoInfo] = []
        # the one database of this workspace: opened (and migrated) once, its single
        # writer shared by every service (ARCHITECTURE.md, "The writer")
        self.db = Database(self.db_path)
        self.reader = HistoryReader(self.db_path)
        self._index_lock = threading.Lock()  # one git index run at a time
        self.phases = Phases()  # truthful status of the background work
        self._head_trees: dict[Path, HeadTree] = {}
        self._disk_modified: dict[Path, set[str]] = {}  # per repository, from git status
        self._head_texts: OrderedDict[tuple[Path, str, str | None], str | None] = OrderedDict()
        self.index_timings: dict[str, float] = {}
        self._services: dict[type, Any] = {}

    def service(self, cls: type[ServiceT]) -> ServiceT:
        """The workspace's single instance of a feature service (``cls(workspace)``).

        Feature areas (expertise, code, build, semantic, chat) keep their state in a
        service object instead of growing this class.
        """
        instance = self._services.get(cls)
        if instance is None:
            instance = self._services[cls] = cls(self)  # type: ignore[call-arg]
        return instance

    # -- lifecycle -------------------------------------------------------------------
    def open(self) -> None:
        """Create/migrate the database and find repositories (blocking)."""
        self.db.open()
        try:  # stores written under older secret rules lose what the gate now forbids
            purge_if_needed(self.db_path, files.for_workspace(self), self.data_dir)
        except Exception:
            log.warning("purging secrets from %s failed; retried at the next start",
                        self.db_path, exc_info=True)
        self.repos = find_repositories(self.root, self.config.nested_repo_depth)

    async def close(self) -> None:
        for service in self._services.values():
            closer = getattr(service, "aclose", None)
            if closer is not None:
                await closer()
        await self.reader.close()
        await asyncio.to_thread(self.db.close)

    @property
    def has_git(self) -> bool:
        return bool(self.repos)

    # -- indexing (blocking; call from a worker thread) --------------------------------
    def index_git(self, progress: ProgressFn | None = None,
                  cancelled: CancelFn | None = None) -> list[IndexResult]:
        results = []
        with self._index_lock:
            for repo in self.repos:
                started = time.perf_counter()
                result = GitIndexer(self.db, repo.root).run(progress, cancelled)
                results.append(result)
                self._head_trees.pop(repo.root, None)
                if result.state == "ready":
                    self._calibrate(result.repo_id, repo)
                self.index_timings[str(repo.root)] = time.perf_counter() - started
        return results

    def _calibrate(self, repo_id: int, repo: RepoInfo) -> None:
        """Co-change self-calibration; a failure keeps the previous parameters."""
        try:
            calibration_store.refresh(self.db, repo_id, self._exists_at_head(repo))
        except Exception:
            log.exception("co-change calibration failed for %s", repo.root)

    # -- routing ---------------------------------------------------------------------
    def repo_for(self, path: Path) -> RepoInfo | None:
        return route(path, self.repos)

    def contains(self, path: Path) -> bool:
        resolved = path.resolve()
        return resolved == self.root or self.root in resolved.parents

    def _exists_at_head(self, repo: RepoInfo) -> HeadTree:
        tree = self._head_trees.get(repo.root)
        if tree is None:
            tree = self._head_trees[repo.root] = HeadTree(repo.root)
        return tree

    def _code_prefix(self, repo: RepoInfo) -> str | None:
        """The repository's folder in the (workspace-relative) code index, "" for the root."""
        if repo.root == self.root:
            return ""
        try:
            return repo.root.relative_to(self.root).as_posix() + "/"
        except ValueError:
            return None

    def head_moved(self, repo: RepoInfo) -> None:
        self._head_trees.pop(repo.root, None)

    # -- queries ---------------------------------------------------------------------
    def cochange_params(self) -> CochangeParams | None:
        """None: the repository's calibrated parameters."""
        return None

    async def cochange(self, path: Path, limit: int | None = None) -> CochangeAnswer:
        repo = self.repo_for(path)
        if repo is None:
            return CochangeAnswer(path.as_posix(), None, [], "not inside a git repository")
        rel = relative_path(path, repo.root)
        head = self._exists_at_head(repo)
        names = await asyncio.to_thread(lambda: head.names)
        items = await self.reader.cochange(
            repo.root, rel, limit=limit or self.config.cochange_limit,
            params=self.cochange_params(), exists=head.__contains__, names=names,
            code_prefix=self._code_prefix(repo))
        note = None
        if not items:
            state = await self.reader.repo_state(repo.root)
            if state is None or (state.state in ("new", "indexing") and not state.commits):
                note = "the git history is not indexed yet"
            elif state.state == "empty":
                note = "the repository has no commits yet"
            else:
                note = "no file has been changed together with this one"
        return CochangeAnswer(rel, repo.root, items, note)

    async def hints(self, path: Path, modified: set[str]) -> list[CochangeHint]:
        """Hints for ``path`` given the repository-relative paths modified right now."""
        answer = await self.cochange(path, limit=max(self.config.cochange_limit, 20))
        if answer.repo_root is None or answer.path not in modified:
            return []
        return hints_for(answer.path, answer.items, modified,
                         threshold=self.config.hint_threshold,
                         min_shared=self.config.hint_min_shared)

    def modified(self, repo: RepoInfo) -> set[str]:
        """Blocking: paths the working tree changed relative to HEAD."""
        return modified_paths(repo.root)

    def head_text(self, repo: RepoInfo, rel: str) -> str | None:
        return head_blob_text(repo.root, rel)

    async def modified_now(self, repo: RepoInfo, buffers: Mapping[str, str], *,
                           refresh_disk: bool) -> set[str]:
        """Paths of ``repo`` modified now: the working tree's (git status, cached until
        ``refresh_disk``) plus open buffers (repository-relative path -> text) whose text
        differs from HEAD, i.e. unsaved edits."""
        if refresh_disk or repo.root not in self._disk_modified:
            self._disk_modified[repo.root] = await asyncio.to_thread(self.modified, repo)
        modified = set(self._disk_modified[repo.root])
        head = await self.reader.head_oid(repo.root)
        for rel, text in buffers.items():
            if rel in modified:
                continue
            original = await self._head_text_cached(repo, rel, head)
            if original is not None and text != original:
                modified.add(rel)
        return modified

    async def _head_text_cached(self, repo: RepoInfo, rel: str, head: str | None) -> str | None:
        key = (repo.root, rel, head)
        if key in self._head_texts:
            self._head_texts.move_to_end(key)
            return self._head_texts[key]
        text = await asyncio.to_thread(self.head_text, repo, rel)
        self._head_texts[key] = text
        while len(self._head_texts) > HEAD_TEXTS_KEPT:  # bounded: least recently used go
            self._head_texts.popitem(last=False)
        return text

    async def status(self) -> WorkspaceStatus:
        states = await self.reader.all_repo_states()
        wanted = {str(r.root) for r in self.repos}
        repos = [_state_dict(s, self.index_timings.get(s.root)) for s in states
                 if s.root in wanted]
        message = None if self.repos else (
            "not a git repository: git features (co-change, history) are off")
        return WorkspaceStatus(str(self.root), str(self.data_dir), self.has_git, repos, message,
                               self.phases.snapshot())


def _state_dict(state: RepoState, last_run: float | None) -> dict[str, Any]:
    return {
        "root": state.root,
        "state": state.state,
        "message": state.message,
        "commitsIndexed": state.commits,
        "lastIndexedHead": state.head_oid,
        "indexedAt": state.indexed_at,
        "lastFullIndexSeconds": state.last_duration_s,
        "lastRunSeconds": last_run,
    }
