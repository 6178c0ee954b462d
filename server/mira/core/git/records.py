"""Plain records of git history, shared by the reader, the indexer and the models."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str
    status: str  # A | M | D | R | T | C
    added: int | None  # None for binary files
    deleted: int | None
    old_path: str | None = None


@dataclass(slots=True)
class CommitRecord:
    oid: str
    parents: list[str]
    author_name: str
    author_email: str
    author_time: int
    commit_time: int
    subject: str
    files: list[FileChange] = field(default_factory=list)

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


def path_text(raw: bytes) -> str:
    """Decode a git path for storage and display.

    Git paths are bytes. Invalid UTF-8 is kept visible as ``\\xNN`` escapes so a
    non-UTF-8 path never breaks indexing and still round-trips through
    ``path_text(os.fsencode(p))`` for files opened from disk.
    """
    return raw.decode("utf-8", errors="backslashreplace")


def fs_path_text(path: str) -> str:
    """The stored form of a path obtained from the filesystem (``os.fsdecode``)."""
    return path_text(path.encode("utf-8", errors="surrogateescape"))
