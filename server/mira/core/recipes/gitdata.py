"""What recipes read from git: change sets, file contents at a commit, lines a commit added.

Blocking (subprocess); callers run it off the event loop. Paths the secrets gate
rejects are never read.
"""

from __future__ import annotations

import difflib
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from mira.core import secrets
from mira.core.git.records import path_text
from mira.core.recipes.mining import ChangeSet

MAX_BLOB = 200_000


_FORMAT = "%x1e%H%x1f%P%x1f%at%x1f%s"


def change_sets(repo: Path, revision: str = "HEAD") -> Iterator[ChangeSet]:
    """Non-merge commits reachable from ``revision``, newest first.

    Why ``--name-status`` and not the index's ``--numstat`` walk: recipes need only which
    files were added or modified, and skipping the line counts makes ``git log`` about ten
    times faster (1.2 s instead of 14 s on pytest's 17k commits)."""
    proc = subprocess.Popen(
        ["git", "-C", str(repo), "-c", "core.quotepath=off", "-c", "diff.renameLimit=3000",
         "log", "--no-merges", "--no-color", "--name-status", "-M", "-z", f"--format={_FORMAT}",
         revision, "--"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    try:
        data = proc.stdout.read()
    finally:
        proc.stdout.close()
        proc.wait()
    for record in data.split(b"\x1e"):
        if not record.strip():
            continue
        header, _, body = record.partition(b"\x00")
        fields = header.decode("utf-8", errors="replace").split("\x1f")
        if len(fields) < 4:
            continue
        oid, parents, when, subject = fields[0], fields[1].split(), fields[2], fields[3]
        tokens = [t.lstrip(b"\n") for t in body.split(b"\x00")]
        added: list[str] = []
        modified: list[str] = []
        i = 0
        while i < len(tokens):
            status = tokens[i][:1]
            i += 1
            if status in (b"R", b"C"):
                i += 2
            elif status in (b"A", b"M", b"D", b"T"):
                if i < len(tokens):
                    (added if status == b"A" else modified if status != b"D" else []).append(
                        path_text(tokens[i]))
                i += 1
        if added or modified:
            yield ChangeSet(oid, int(when or 0), subject, tuple(added), tuple(modified),
                            parents[0] if parents else None)


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
        if secrets.secret_name(path, self.globs) or "\n" in path:
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
        text = data.decode("utf-8", errors="replace")
        if secrets.secret_content(path, text):  # the gate: a key file under any name
            return None
        return secrets.redact(text)

    def exists(self, rev: str, path: str) -> bool:
        out = subprocess.run(["git", "-C", str(self.repo), "cat-file", "-e", f"{rev}:{path}"],
                             capture_output=True)
        return out.returncode == 0

    def added_lines(self, oid: str, path: str) -> list[str]:
        """Lines ``oid`` added to ``path`` against its first parent. Why a line diff of the two
        blobs (through the one ``cat-file`` process) and not ``git diff-tree``: a process per
        instance cost 16 s of pytest's 29 s of mining."""
        new = self.text(oid, path)
        if new is None:
            return []
        old = self.text(f"{oid}^", path) or ""
        old_lines, new_lines = old.splitlines(), new.splitlines()
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        return [line for tag, _, _, j1, j2 in matcher.get_opcodes() if tag in ("insert", "replace")
                for line in new_lines[j1:j2]]

    def close(self) -> None:
        if self._proc is not None:
            if self._proc.stdin:
                self._proc.stdin.close()
            self._proc.wait()
            if self._proc.stdout:
                self._proc.stdout.close()
            self._proc = None
