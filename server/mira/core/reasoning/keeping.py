"""Was an applied artifact *kept*? A reasoning pattern's good outcome is a change the user
applied and kept, so applying only starts a check: the lines the artifact brought are noted,
and once the file was saved after the apply and ``KEEP_AFTER_S`` have passed, the share of
those lines still in the file settles it — kept (a success) or reverted (a failure). A
change never saved is not judged; after ``EXPIRE_AFTER_S`` it expires without an outcome.
An explicit thumbs-up or -down needs no wait.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from mira.core import files

KEEP_AFTER_S = 600.0
EXPIRE_AFTER_S = 14 * 86400.0
KEPT_SHARE = 0.5
MIN_LINE_CHARS = 4  # "}", "pass", blank lines prove nothing


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if len(ln.strip()) >= MIN_LINE_CHARS]


def brought_lines(kind: str, content: str, before: str | None) -> list[str]:
    """The distinctive lines an artifact adds: a diff's ``+`` lines, or the new file's lines
    the file did not have before."""
    if kind == "diff":
        added = [ln[1:] for ln in content.splitlines()
                 if ln.startswith("+") and not ln.startswith("+++")]
        return list(dict.fromkeys(_lines("\n".join(added))))
    old = set(_lines(before or ""))
    return list(dict.fromkeys(ln for ln in _lines(content) if ln not in old))


@dataclass
class Settled:
    operation_id: str
    kept: bool
    share: float


def mtime(path: Path | None) -> float | None:
    try:
        return path.stat().st_mtime if path is not None else None
    except OSError:
        return None


def start(conn: sqlite3.Connection, artifact_id: str, operation_id: str, path: str,
          lines: list[str], mtime_at_apply: float | None) -> None:
    """Inside the caller's write transaction; ``mtime_at_apply``: the file's modification
    time when the edit went to the editor (a save changes it; None: no file yet)."""
    conn.execute(
        "INSERT OR IGNORE INTO artifact_keep_checks(artifact_id, operation_id, path, lines,"
        " applied_at) VALUES (?, ?, ?, ?, ?)",
        (artifact_id, operation_id, path, json.dumps({"lines": lines, "mtime": mtime_at_apply}),
         time.time()))


def settle_due(conn: sqlite3.Connection, gate: files.Gate, now: float | None = None
               ) -> list[Settled]:
    """Judge the pending checks that are due (inside the caller's write transaction)."""
    now = time.time() if now is None else now
    settled: list[Settled] = []
    for aid, op, path, raw, applied_at in conn.execute(
            "SELECT artifact_id, operation_id, path, lines, applied_at FROM artifact_keep_checks"
            " WHERE state = 'pending' AND applied_at <= ?", (now - KEEP_AFTER_S,)).fetchall():
        noted = json.loads(raw)
        lines = noted["lines"]
        resolved = gate.inside(path)
        state, share = None, None
        if resolved is None or not lines:
            state = "expired"
        else:
            now_mtime = mtime(resolved)  # None: a new file never saved (or deleted since)
            if now_mtime is not None and now_mtime != noted["mtime"]:  # saved since the apply
                now_lines = set(_lines(gate.read_text(path) or ""))
                share = sum(ln in now_lines for ln in lines) / len(lines)
                state = "kept" if share >= KEPT_SHARE else "reverted"
            elif now - applied_at > EXPIRE_AFTER_S:
                state = "expired"
        if state is None:
            continue
        conn.execute("UPDATE artifact_keep_checks SET state = ?, kept_share = ?, checked_at = ?"
                     " WHERE artifact_id = ?", (state, share, now, aid))
        if state in ("kept", "reverted"):
            settled.append(Settled(op, state == "kept", round(share or 0.0, 3)))
    return settled
