"""Line blame via ``git blame --porcelain`` (``--contents -`` for unsaved buffers).

Measured here (docs/benchmarks.md): pygit2's blame is 17 to 23 times slower than the
git binary on files with long histories, so the binary is used. Results are cached by
(path, HEAD, content hash): a hover on an unchanged file never recomputes, and a commit
(new HEAD) invalidates.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

UNCOMMITTED = "0" * 40
BLAME_TIMEOUT_S = 20


@dataclass(frozen=True, slots=True)
class BlameEntry:
    commit: str
    author: str
    email: str  # lower-cased, mailmap-resolved
    time: int
    subject: str

    @property
    def uncommitted(self) -> bool:
        return self.commit == UNCOMMITTED


class BlameError(RuntimeError):
    pass


def parse_porcelain(output: bytes) -> list[BlameEntry]:
    """One entry per line of the blamed content, in order."""
    lines = output.split(b"\n")
    known: dict[str, dict[str, str]] = {}
    result: list[BlameEntry] = []
    i = 0
    while i < len(lines):
        header = lines[i].split(b" ")
        i += 1
        if len(header) < 3 or len(header[0]) != 40:
            continue
        commit = header[0].decode("ascii", "replace")
        info = known.setdefault(commit, {})
        while i < len(lines) and not lines[i].startswith(b"\t"):
            key, _, value = lines[i].partition(b" ")
            info[key.decode("ascii", "replace")] = value.decode("utf-8", "replace")
            i += 1
        i += 1  # the content line
        result.append(BlameEntry(
            commit=commit,
            author=info.get("author", ""),
            email=info.get("author-mail", "").strip("<>").lower(),
            time=int(info.get("author-time", "0") or 0),
            subject=info.get("summary", ""),
        ))
    return result


class BlameCache:
    def __init__(self, size: int = 64) -> None:
        self._entries: OrderedDict[tuple[str, str, str], list[BlameEntry]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def _key(self, repo_root: Path, rel: str, head: str, content: bytes | None
             ) -> tuple[str, str, str]:
        digest = hashlib.sha1(content).hexdigest() if content is not None else _disk_digest(
            repo_root / rel)
        return (rel, head, digest)

    def cached(self, repo_root: Path, rel: str, head: str, text: str | None = None
               ) -> list[BlameEntry] | None:
        return self._entries.get(self._key(repo_root, rel, head, _encode(text)))

    def blame(self, repo_root: Path, rel: str, head: str, text: str | None = None
              ) -> list[BlameEntry]:
        """Blame ``rel`` at the working tree (or the given buffer ``text``)."""
        content = _encode(text)
        key = self._key(repo_root, rel, head, content)
        hit = self._entries.get(key)
        if hit is not None:
            self._entries.move_to_end(key)
            return hit
        with self._lock:  # concurrent hovers on one file share one blame run
            hit = self._entries.get(key)
            if hit is not None:
                return hit
            return self._blame_uncached(repo_root, rel, key, content)

    def _blame_uncached(self, repo_root: Path, rel: str, key: tuple[str, str, str],
                        content: bytes | None) -> list[BlameEntry]:
        entries = parse_porcelain(_run_blame(repo_root, rel, content, []))
        self._entries[key] = entries
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return entries


def _encode(text: str | None) -> bytes | None:
    return text.encode("utf-8", "surrogateescape") if text is not None else None


def _run_blame(repo_root: Path, rel: str, content: bytes | None, extra: list[str]) -> bytes:
    command = ["git", "-C", str(repo_root), "blame", "--porcelain", "-w", *extra]
    if content is not None:
        command += ["--contents", "-"]
    command += ["--", rel]
    try:
        done = subprocess.run(command, input=content, capture_output=True,
                              timeout=BLAME_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BlameError(f"git blame timed out on {rel}") from exc
    except OSError as exc:  # no git binary
        raise BlameError(f"cannot run git blame: {exc}") from exc
    if done.returncode != 0:
        raise BlameError(done.stderr.decode("utf-8", "replace").strip() or "git blame failed")
    return done.stdout


def _disk_digest(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return f"{stat.st_mtime_ns}-{stat.st_size}"
