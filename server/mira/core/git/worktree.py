"""What the working tree has changed relative to HEAD (pygit2 status)."""

from __future__ import annotations

from pathlib import Path

import pygit2
from pygit2.enums import FileStatus

from mira.core.git.records import fs_path_text

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

    def __contains__(self, path: object) -> bool:
        if self._tree is None or not isinstance(path, str):
            return False
        try:
            self._tree[path]
        except KeyError:
            return False
        return True
