"""Mining the git history for fix commits: message, body, files and capped diff hunks.

The git index (migration 0001) holds subjects and file lists; matching a build
error also needs commit bodies ("Fixes TypeError when ...") and the hunks a fix
touched, so one streaming ``git log -p`` pass stores them per commit in
``fix_commits``, incrementally from the last mined HEAD. The gate decides what is kept:
hunks of secret files are dropped (their names stay), and secret tokens in messages and
hunks are redacted before they are stored.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mira.core import secrets
from mira.core.build.normalize import error_classes
from mira.core.files import Gate
from mira.core.processes import stream_from_child
from mira.core.stores.database import Database, Priority

FIX_WORDS = re.compile(r"\b(fix(e[sd])?|bug|bugfix|regression|crash|broken|error|fail(s|ing|ure)?"
                       r"|issue|resolve[sd]?|correct(s|ed)?|wrong|hotfix|patch)\b", re.I)
DIFF_CAP = 24_000
_SEP = "\x1e\x1fMIRA-COMMIT\x1f"


@dataclass
class MinedCommit:
    oid: str
    author: str
    email: str
    time: int
    subject: str
    body: str
    files: list[str] = field(default_factory=list)
    diff: str = ""

    @property
    def fix_like(self) -> bool:
        text = self.subject + "\n" + self.body
        return bool(FIX_WORDS.search(text) or error_classes(text))


def _git(repo: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True,
                                text=True, errors="replace", timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def head_oid(repo: Path) -> str | None:
    out = _git(repo, "rev-parse", "--verify", "-q", "HEAD")
    return out.strip() if out else None


def iter_commits(repo: Path, since: str | None, until: str = "HEAD",
                 gate: Gate | None = None) -> Iterator[MinedCommit]:
    """Stream non-merge commits (newest first) with their bodies and capped diffs, redacted."""
    gate = gate or Gate(repo)
    rev = f"{since}..{until}" if since else until
    proc = subprocess.Popen(
        ["git", "-C", str(repo), "log", "--no-merges", "--no-color", "-p", "--unified=2",
         "--no-ext-diff", "--no-renames", f"--format={_SEP}%H%x00%an%x00%ae%x00%at%x00%B%x00",
         rev, "--"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    current: MinedCommit | None = None
    diff: list[str] = []
    size = 0
    skipping = False
    sep = _SEP.encode()
    header: bytes = b""
    try:
        for raw in proc.stdout:
            if raw.startswith(sep) or header:
                header += raw
                if header.count(b"\x00") < 5:
                    continue
                if current is not None:
                    yield _redacted(current, diff)
                oid, author, email, stamp, body, _ = header[len(sep):].decode(
                    "utf-8", "replace").split("\x00", 5)
                subject, _, rest = body.strip().partition("\n")
                current = MinedCommit(oid, author, email, int(stamp or 0), subject.strip(),
                                      rest.strip())
                diff, size, header, skipping = [], 0, b"", False
                continue
            line = raw.decode("utf-8", "replace")
            if current is None:
                continue
            if line.startswith("diff --git "):
                match = re.match(r"diff --git a/(.*?) b/(.*)$", line.rstrip("\n"))
                if match:
                    current.files.append(match.group(2))
                    skipping = gate.is_secret(match.group(2)) or gate.is_secret(match.group(1))
            if skipping:
                continue
            if size < DIFF_CAP and not line.startswith(("index ", "new file mode",
                                                         "deleted file mode")):
                diff.append(line)
                size += len(line)
        if current is not None:
            yield _redacted(current, diff)
    finally:
        proc.stdout.close()
        proc.wait()


def _redacted(commit: MinedCommit, diff: list[str]) -> MinedCommit:
    commit.subject = secrets.redact(commit.subject)
    commit.body = secrets.redact(commit.body)
    commit.diff = secrets.redact("".join(diff))
    return commit


MINE_BATCH = 200  # commits per write transaction (diffs are capped, so batches stay small)


def mine(db: Database, repo: Path, gate: Gate | None = None) -> int:
    """Store commits added since the last mined HEAD; returns how many were stored.

    Batches go to the workspace's writer; the mined HEAD is recorded last, so an
    interrupted run mines the same range again (rows are replaced, not duplicated).
    """
    head = head_oid(repo)
    root = str(repo)
    row = db.read().execute("SELECT head_oid FROM fix_mining_state WHERE repo_root = ?",
                            (root,)).fetchone()
    last = row[0] if row else None
    if head is None or head == last:
        return 0
    since = last
    if since is not None and _git(repo, "merge-base", "--is-ancestor", since, head) is None:
        db.write(lambda w: w.execute("DELETE FROM fix_commits WHERE repo_root = ?", (root,)),
                 Priority.CODE)
        since = None  # history rewritten: mine again from scratch
    stored = 0
    batch: list[tuple[object, ...]] = []

    def flush(rows: list[tuple[object, ...]]) -> None:
        if rows:
            db.write(lambda w: w.executemany(
                "INSERT OR REPLACE INTO fix_commits VALUES (?,?,?,?,?,?,?,?,?,?)", rows),
                Priority.CODE)

    # `git log -p` is parsed and redacted in a child process (off the server's GIL)
    commits = stream_from_child(iter_commits, repo, since, head, gate)
    with contextlib.closing(commits):  # a failed write stops the child
        for commit in commits:
            batch.append((root, commit.oid, commit.author, commit.email, commit.time,
                          commit.subject, commit.body, json.dumps(commit.files), commit.diff,
                          int(commit.fix_like)))
            stored += 1
            if len(batch) >= MINE_BATCH:
                flush(batch)
                batch = []
    flush(batch)
    db.write(lambda w: w.execute("INSERT OR REPLACE INTO fix_mining_state VALUES (?,?,?)",
                                 (root, head, time.time())), Priority.CODE)
    return stored


def changed_files(repo: Path, old: str | None, new: str | None) -> list[str]:
    if not old or not new or old == new:
        return []
    out = _git(repo, "diff", "--name-only", "--no-renames", old, new, "--")
    return [line for line in (out or "").splitlines() if line]


def commits_touching(repo: Path, old: str, new: str, files: list[str]) -> list[str]:
    """Commits in ``old..new`` touching any of ``files``, oldest first."""
    out = _git(repo, "log", "--reverse", "--format=%H", f"{old}..{new}", "--", *files)
    return [line for line in (out or "").splitlines() if line]


def worktree_diff(repo: Path, files: list[str], cap: int = DIFF_CAP,
                  gate: Gate | None = None) -> str:
    gate = gate or Gate(repo)
    files = [f for f in files if not gate.is_secret(f)]
    if not files:
        return ""
    out = _git(repo, "diff", "--no-color", "--unified=2", "HEAD", "--", *files) or ""
    return secrets.redact(out[:cap])


def dirty_files(repo: Path) -> list[str]:
    out = _git(repo, "status", "--porcelain", "--untracked-files=all", "-z")
    if out is None:
        return []
    files = []
    for entry in out.split("\x00"):
        if len(entry) > 3 and not entry.startswith("!!"):
            files.append(entry[3:])
    return sorted(f for f in files if not f.startswith(".mira/"))
