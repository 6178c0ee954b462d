"""What recipes read from git: change sets, file contents at a commit, lines a commit added.

Blocking (subprocess); callers run it off the event loop. Paths the secrets gate
rejects are never read.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from mira.core.context.safety import is_secret
from mira.core.git.log_reader import iter_commits
from mira.core.recipes.mining import ChangeSet

MAX_BLOB = 200_000


def change_sets(repo: Path, revision: str = "HEAD") -> Iterator[ChangeSet]:
    """Non-merge commits reachable from ``revision``, newest first, straight from ``git log``."""
    for rec in iter_commits(repo, [revision]):
        if rec.is_merge or not rec.files:
            continue
        added = tuple(f.path for f in rec.files if f.status == "A")
        modified = tuple(f.path for f in rec.files if f.status == "M")
        yield ChangeSet(rec.oid, rec.author_time, rec.subject, added, modified,
                        rec.parents[0] if rec.parents else None)


class GitReader:
    """Blob texts at commits (one ``git cat-file --batch`` process) and added lines."""

    def __init__(self, repo: Path, secret_globs: Iterable[str] = ()) -> None:
        self.repo = repo
        self.globs = tuple(secret_globs)
        self._proc: subprocess.Popen[bytes] | None = None

    def _batch(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(
                ["git", "-C", str(self.repo), "cat-file", "--batch"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return self._proc

    def text(self, rev: str, path: str) -> str | None:
        """The file's text at ``rev``; None when missing, secret, binary or huge."""
        if is_secret(path, self.globs) or "\n" in path:
            return None
        proc = self._batch()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(f"{rev}:{path}\n".encode())
        proc.stdin.flush()
        header = proc.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            return None
        size = int(header[2])
        data = proc.stdout.read(size)
        proc.stdout.read(1)
        if size > MAX_BLOB or b"\0" in data[:8192]:
            return None
        return data.decode("utf-8", errors="replace")

    def exists(self, rev: str, path: str) -> bool:
        out = subprocess.run(["git", "-C", str(self.repo), "cat-file", "-e", f"{rev}:{path}"],
                             capture_output=True)
        return out.returncode == 0

    def added_lines(self, oid: str, path: str) -> list[str]:
        """Lines ``oid`` added to ``path`` (against its first parent)."""
        if is_secret(path, self.globs):
            return []
        out = subprocess.run(
            ["git", "-C", str(self.repo), "diff-tree", "-p", "-U0", "--no-color",
             "--no-ext-diff", "--root", "-r", oid, "--", path],
            capture_output=True)
        if out.returncode != 0:
            return []
        lines = out.stdout.decode("utf-8", errors="replace").splitlines()
        return [ln[1:] for ln in lines if ln.startswith("+") and not ln.startswith("+++")]

    def close(self) -> None:
        if self._proc is not None:
            if self._proc.stdin:
                self._proc.stdin.close()
            self._proc.wait()
            if self._proc.stdout:
                self._proc.stdout.close()
            self._proc = None
