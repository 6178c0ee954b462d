"""RecipeService: recipes of a workspace's repositories, scaffolds, and their executions.

Recipes are mined from the repository's history on first use and again when
HEAD moved; the stored set is served meanwhile. Scaffolds are proposals only:
this service never writes a file of the workspace.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira.core import files, secrets
from mira.core.git.repository import RepoInfo
from mira.core.recipes import store
from mira.core.recipes.effectiveness import assess
from mira.core.recipes.gitdata import GitReader, change_sets
from mira.core.recipes.mining import cluster
from mira.core.recipes.model import Recipe, build, recipe_id
from mira.core.recipes.names import name_of
from mira.core.recipes.refine import refine
from mira.core.recipes.scaffold import Scaffold, ScaffoldError, scaffold

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)

CONTENT_MODE = "latest"  # chosen on the tuning repositories (docs/benchmarks.md)
MIN_SUPPORT = 3
READ_MAX_BYTES = 256 * 1024  # a template file larger than this is not read
BACKGROUND_REMINE_S = 600.0  # after new commits, background mining waits this long since the last


class RecipeError(ScaffoldError):
    pass


@dataclass
class Applicable:
    recipe: Recipe
    example: str       # the repository-relative file the recipe's template matched
    repo: RepoInfo


def _git(repo: Path, *args: str) -> str | None:
    out = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def mine(repo: Path, secret_globs: tuple[str, ...] = (), min_support: int = MIN_SUPPORT,
         mode: str = CONTENT_MODE) -> tuple[list[Recipe], int]:
    """Blocking: recipes of ``repo``'s history and the number of commits read."""
    changes = list(change_sets(repo))
    reader = GitReader(repo, secret_globs)
    taken: set[str] = set()
    try:
        recipes = []
        for c in cluster(changes, min_support):
            c.key = tuple(t for t in c.key if not secrets.secret_name(t, secret_globs))
            c.shared_files = [p for p in c.shared_files
                              if not secrets.secret_name(p, secret_globs)]
            if c.key:
                recipes.append(build(c, recipe_id(c.key, taken), reader.text,
                                     reader.added_lines, mode))
    finally:
        reader.close()
    return recipes, len(changes)


class RecipeService:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.db = workspace.db
        self.globs = secrets.parse_globs(workspace.config.context_secret_globs)
        self._mining = threading.Lock()
        self._stored: dict[str, tuple[float | None, list[Recipe]]] = {}  # by mining time

    # -- recipes ---------------------------------------------------------------------
    def repo(self, path: Path | None = None) -> RepoInfo:
        repo = self.workspace.repo_for(path) if path is not None else (
            self.workspace.repos[0] if self.workspace.repos else None)
        if repo is None:
            raise RecipeError("not inside a git repository: recipes come from git history")
        return repo

    def recipes_blocking(self, repo: RepoInfo, include_retired: bool = False,
                         progress: Callable[[str], None] | None = None) -> list[Recipe]:
        key = str(repo.root)
        with self._mining:
            head = _git(repo.root, "rev-parse", "--verify", "-q", "HEAD")
            if head is not None and self.db.run(lambda c: store.mined_head(c, key)) != head:
                if progress:
                    progress("mining change recipes from history")
                found, commits = mine(repo.root, self.globs)
                self.db.write(lambda c: store.replace_mined(c, key, head, commits, found))
            recipes = self.db.run(lambda c: store.load(c, key))
            self._assess(repo, recipes)
        return [r for r in recipes if include_retired or not r.retired]

    async def recipes(self, path: Path | None = None, include_retired: bool = False
                      ) -> list[Recipe]:
        repo = self.repo(path)
        return await asyncio.to_thread(self.recipes_blocking, repo, include_retired)

    async def recipe(self, rid: str, path: Path | None = None) -> Recipe:
        for r in await self.recipes(path, include_retired=True):
            if r.id == rid:
                return r
        raise RecipeError(f"no recipe {rid!r}; `mira recipes` lists them")

    def stored(self, repo: RepoInfo) -> list[Recipe]:
        """The stored recipes, without mining; when they are missing or stale, mining starts
        in the background (for requests that must answer at once, like code actions)."""
        key = str(repo.root)
        stamp = self.db.run(lambda c: store.mined_at(c, key))
        cached = self._stored.get(key)
        if cached is not None and cached[0] == stamp:
            found = cached[1]
        else:
            found = [r for r in self.db.run(lambda c: store.load(c, key)) if not r.retired]
            self._stored[key] = (stamp, found)
        head = _git(repo.root, "rev-parse", "--verify", "-q", "HEAD")
        if head is not None and not self._mining.locked() and self.db.run(
                lambda c: store.mined_head(c, key)) != head:
            threading.Thread(target=self._mine_quietly, args=(repo,), daemon=True,
                             name="mira-recipes").start()
        return found

    def _mine_quietly(self, repo: RepoInfo) -> None:
        try:
            self.recipes_blocking(repo)
        except Exception:
            log.warning("mining change recipes of %s failed", repo.root, exc_info=True)

    def refresh_in_background(self, repo: RepoInfo) -> None:
        """After an index run: mine when never mined, or when HEAD moved and the last mining
        is older than ``BACKGROUND_REMINE_S`` (a busy repository is not re-mined per commit;
        explicit requests still re-mine at once)."""
        key = str(repo.root)
        last = self.db.run(lambda c: store.mined_at(c, key))
        if last is None or time.time() - last >= BACKGROUND_REMINE_S:
            self._mine_quietly(repo)

    async def applicable(self, path: Path) -> list[Applicable]:
        """Recipes whose created files include one shaped like ``path`` (from the stored
        recipes: a code action never waits for mining)."""
        repo = self.repo(path)
        rel = path.resolve().relative_to(repo.root).as_posix()
        out = []
        for r in await asyncio.to_thread(self.stored, repo):
            if any(name_of(rel, c.path) for c in r.creates):
                out.append(Applicable(r, rel, repo))
        return out

    # -- scaffolds -------------------------------------------------------------------
    async def scaffold(self, rid: str, name: str, path: Path | None = None) -> Scaffold:
        repo = self.repo(path)
        recipe = await self.recipe(rid, path)
        return await asyncio.to_thread(self._render, repo, recipe, name)

    def _render(self, repo: RepoInfo, recipe: Recipe, name: str) -> Scaffold:
        gate = files.Gate(repo.root, self.globs)

        def read(rel: str) -> str | None:
            return gate.read_text(rel, READ_MAX_BYTES)

        def exists(rel: str) -> bool:
            target = gate.inside(rel)
            return target is None or target.exists() or gate.path_secret(rel) is not None
        return scaffold(recipe, name, read, exists)

    async def record(self, result: Scaffold, applied: bool, path: Path | None = None) -> int:
        """Track one execution: what was proposed and whether the editor applied it."""
        repo = self.repo(path)
        recipe = await self.recipe(result.recipe, path)
        files = {c.path: _digest(c.content or "") for c in result.changes if c.kind == "create"}
        head = await asyncio.to_thread(_git, repo.root, "rev-parse", "--verify", "-q", "HEAD")
        return await asyncio.to_thread(self.db.write, lambda c: store.record_execution(
            c, str(repo.root), recipe.id, recipe.version, result.name, files, applied, head))

    async def save_version(self, recipe: Recipe, source: str, note: str | None,
                           path: Path | None = None) -> Recipe:
        repo = self.repo(path)
        saved = await asyncio.to_thread(self.db.write, lambda c: store.save_version(
            c, str(repo.root), recipe, source, note))
        self._stored.pop(str(repo.root), None)
        return saved

    async def refine_with_model(self, rid: str, complete: Callable[[str], str],
                                path: Path | None = None) -> tuple[Recipe, str]:
        """Ask the model for better templates; a valid answer becomes the next version."""
        recipe = await self.recipe(rid, path)
        better, note = await asyncio.to_thread(refine, recipe, complete)
        return await self.save_version(better, "model", note, path), note

    async def history(self, rid: str, path: Path | None = None) -> list[dict[str, Any]]:
        repo = self.repo(path)
        return await asyncio.to_thread(self.db.run, lambda c: store.versions(
            c, str(repo.root), rid))

    # -- effectiveness -----------------------------------------------------------------
    def _assess(self, repo: RepoInfo, recipes: list[Recipe]) -> None:
        """Re-check executions against the work tree, score recipes, retire ineffective ones."""
        key = str(repo.root)
        runs = self.db.run(lambda c: store.executions(c, key))
        if not runs:
            return
        checks, scores = assess(repo.root, runs)
        by_id = {r.id: r for r in recipes}

        def write(conn: Any) -> None:
            for eid, since, present, edited in checks:
                store.update_check(conn, eid, since, present, edited)
            for rid, score in scores.items():
                r = by_id.get(rid)
                if r is None:
                    continue
                r.stats = {"effectiveness": score.value, "executions": score.executions,
                           "applied": score.applied, "pending": score.pending}
                if score.retire != r.retired:
                    store.set_retired(conn, key, rid, score.retire)
                    r.retired = score.retire
        self.db.write(write)
        self._stored.pop(key, None)  # retirements change what code actions offer


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", errors="replace")).hexdigest()
