"""What the working tree has changed relative to HEAD (pygit2 status)."""

from __future__ import annotations

import typing
from pathlib import Path

import pygit2
from pygit2.enums import FileStatus

from mira.core.git.evidence import NameIndex
from mira.core.git.records import fs_path_text, path_text

_CHANGED = (
    FileStatus.INDEX_NEW | FileStatus.INDEX_MODIFIED | FileStatus.INDEX_DELETED
    | FileStatus.INDEX_RENAMED | FileStatus.INDEX_TYPECHANGE | FileStatus.WT_MODIFIED
    | FileStatus.WT_DELETED | FileStatus.WT_RENAMED | FileStatus.WT_TYPECHANGE
)


def modified_paths(root: Path) -> set[str]:
    """Repository-relative paths changed in the index or work tree (untracked excluded)."""
    repo = pygit2.Repository(str(root))
    if repo.head_is_unborn:
        return set()
    return {fs_path_text(path) for path, flags in repo.status(untracked_files="no").items()
            if flags & _CHANGED}


def head_blob_text(root: Path, path: str) -> str | None:
    """Content of ``path`` at HEAD decoded as UTF-8, or None (absent, binary, undecodable)."""
    repo = pygit2.Repository(str(root))
    if repo.head_is_unborn:
        return None
    try:
        entry = repo.head.peel(pygit2.Commit).tree[path]
    except KeyError:
        return None
    blob = repo.get(entry.id)
    if not isinstance(blob, pygit2.Blob) or blob.is_binary:
        return None
    try:
        return blob.data.decode("utf-8")
    except UnicodeDecodeError:
        return None


class HeadTree:
    """Membership test for paths at HEAD; cheap to build, valid until HEAD moves."""

    def __init__(self, root: Path) -> None:
        repo = pygit2.Repository(str(root))
        self._tree = None if repo.head_is_unborn else repo.head.peel(pygit2.Commit).tree
        self.oid = None if repo.head_is_unborn else str(repo.head.target)

        self._names: NameIndex | None = None

    def paths(self) -> list[str]:
        """Every file at HEAD (blobs, submodules excluded), repository-relative."""
        if self._tree is None:
            return []
        found: list[str] = []
        stack: list[tuple[str, pygit2.Tree]] = [("", self._tree)]
        while stack:
            prefix, tree = stack.pop()
            for entry in tree:
                name = prefix + path_text(entry.raw_name or b"")
                if entry.type_str == "tree":
                    stack.append((name + "/", typing.cast(pygit2.Tree, entry)))
                elif entry.type_str == "blob":
                    found.append(name)
        return found

    @property
    def names(self) -> NameIndex:
        """The files at HEAD grouped by module name (naming-convention partners)."""
        if self._names is None:
            self._names = NameIndex(self.paths())
        return self._names

    def __contains__(self, path: object) -> bool:
        if self._tree is None or not isinstance(path, str):
            return False
        try:
            self._tree[path]
        except KeyError:
            return False
        return True
