"""Finding git repositories in a workspace and routing paths to them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pygit2

from mira.core.files import SKIP_DIRS


@dataclass(frozen=True)
class RepoInfo:
    root: Path  # work tree root (resolved)
    git_dir: Path


def open_repository(root: Path) -> pygit2.Repository:
    return pygit2.Repository(str(root))


def discover_repo(path: Path) -> RepoInfo | None:
    """The repository whose work tree contains ``path``, or None."""
    found = pygit2.discover_repository(str(path))
    if not found:
        return None
    repo = pygit2.Repository(found)
    if repo.is_bare or repo.workdir is None:
        return None
    return RepoInfo(Path(repo.workdir).resolve(), Path(repo.path).resolve())


def find_repositories(folder: Path, max_depth: int = 3) -> list[RepoInfo]:
    """The repository containing ``folder`` plus nested repositories (not submodules' insides
    twice), outermost first. Nested ones are found up to ``max_depth`` directories down."""
    folder = folder.resolve()
    repos: dict[Path, RepoInfo] = {}
    outer = discover_repo(folder)
    if outer is not None:
        repos[outer.root] = outer
    base_depth = len(folder.parts)
    for dirpath, dirnames, _ in os.walk(folder):
        current = Path(dirpath)
        depth = len(current.parts) - base_depth
        if current != folder and (current / ".git").exists():
            info = discover_repo(current)
            if info is not None and info.root == current.resolve():
                repos.setdefault(info.root, info)
        if depth >= max_depth:
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")]
    return sorted(repos.values(), key=lambda r: (len(r.root.parts), str(r.root)))


def route(path: Path, repos: list[RepoInfo]) -> RepoInfo | None:
    """The innermost repository whose work tree contains ``path``."""
    resolved = path.resolve()
    best: RepoInfo | None = None
    for repo in repos:
        inside = resolved == repo.root or repo.root in resolved.parents
        if inside and (best is None or len(repo.root.parts) > len(best.root.parts)):
            best = repo
    return best


def relative_path(path: Path, repo_root: Path) -> str:
    """Repository-relative path with ``/`` separators."""
    return path.resolve().relative_to(repo_root).as_posix()
