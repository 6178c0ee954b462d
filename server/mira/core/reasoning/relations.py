"""Memory relationships: which chat messages, facts, files and reasoning patterns relate.

Filled as chats happen (``chat_hooks``). The user's message is *about* the file open in the
editor, *mentions* the workspace files it names, *taught* the memory and profile facts
learned from it and was *suggested* a reasoning pattern. The answer *read* the files its
tools looked at, *proposed* artifacts (*applied* once the user applies one), *mentions*
files, and *taught* the pattern a good outcome stored. Read back by file, fact, message or
pattern (``mira memory related``, ``mira/memoryRelations``) and used: a chat about a file
gets the earlier conversations about it in its prompt.

Paths are workspace-relative and pass the secrets gate; message text was redacted when it
was recorded. Links to facts, patterns or messages deleted since are dropped when read.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mira.core import files

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

KINDS = ("file", "fact", "profile", "pattern")
MAX_MENTIONS = 20
MAX_CANDIDATES = 400
WRITING_TOOLS = frozenset({"propose_change", "write_code", "scaffold"})
EXCERPT_CHARS = 240
# a token shaped like a file path: "api.py", "src/app/handlers/cart.py", "./docs/x.md"
_PATH = re.compile(r"(?<![\w/.-])(?:\./)?((?:[\w.-]+/)*[\w-][\w.-]*\.[A-Za-z][A-Za-z0-9]{0,7})"
                   r"(?![\w/-])")


@dataclass
class Link:
    kind: str
    target: str
    relation: str


@dataclass
class RelatedMessage:
    id: int
    session_id: str
    operation_id: str | None
    role: str
    text: str
    ts: float
    links: list[Link] = field(default_factory=list)


def mentioned_paths(gate: files.Gate, text: str) -> list[str]:
    """Workspace files a text names (existing, inside, not secret), in order of mention."""
    found: list[str] = []
    for n, match in enumerate(_PATH.finditer(text)):
        if n >= MAX_CANDIDATES:  # a huge answer: the first mentions are enough
            break
        rel = gate.relative(match.group(1))
        if rel is None or rel in found or gate.is_secret(rel):
            continue
        if (gate.root / rel).is_file():
            found.append(rel)
        if len(found) >= MAX_MENTIONS:
            break
    return found


def tool_paths(steps: Sequence[tuple[str, Any]]) -> list[str]:
    """The ``path`` arguments of a chat's tool calls that look at files (not the ones that
    propose a change: those are the artifacts)."""
    out: list[str] = []
    for tool, args in steps:
        if tool in WRITING_TOOLS:
            continue
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except ValueError:
                continue
        path = args.get("path") if isinstance(args, dict) else None
        if isinstance(path, str) and path and path not in out:
            out.append(path)
    return out


# -- store ------------------------------------------------------------------------------------
def add(conn: sqlite3.Connection, entry_id: int, session_id: str, operation_id: str | None,
        links: Iterable[tuple[str, str, str]]) -> None:
    now = time.time()
    conn.executemany(
        "INSERT OR IGNORE INTO memory_relations(entry_id, session_id, operation_id, kind,"
        " target, relation, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(entry_id, session_id, operation_id, k, t, r, now) for k, t, r in links])


def facts_learned(conn: sqlite3.Connection, session_id: str, user_entry: int,
                  assistant_entry: int | None) -> list[str]:
    """Memory facts written while the user's message was recorded (same session, updated
    between that message and the answer)."""
    row = conn.execute("SELECT ts FROM memory_entries WHERE id = ?", (user_entry,)).fetchone()
    if row is None:
        return []
    end = conn.execute("SELECT ts FROM memory_entries WHERE id = ?",
                       (assistant_entry,)).fetchone() if assistant_entry else None
    return [k for (k,) in conn.execute(
        "SELECT key FROM memory_facts WHERE session_id = ? AND updated_at >= ?"
        " AND updated_at < ?", (session_id, row[0], end[0] if end else float("inf")))]


_LIVE = (
    "(r.kind = 'file'"
    " OR (r.kind = 'fact' AND EXISTS (SELECT 1 FROM memory_facts f WHERE f.key = r.target))"
    " OR (r.kind = 'profile' AND EXISTS (SELECT 1 FROM user_profile u WHERE u.key = r.target))"
    " OR (r.kind = 'pattern' AND EXISTS (SELECT 1 FROM reasoning_patterns p"
    "     WHERE p.id = CAST(r.target AS INTEGER))))")


def related(conn: sqlite3.Connection, kind: str | None, target: str | None,
            entry_id: int | None = None, limit: int = 20,
            exclude_session: str | None = None) -> list[RelatedMessage]:
    """The messages linked to a target (with the other message of their chat), newest first,
    each with all its live links."""
    if entry_id is not None:
        ops = [r[0] for r in conn.execute(
            "SELECT DISTINCT operation_id FROM memory_relations WHERE entry_id = ?"
            " AND operation_id IS NOT NULL", (entry_id,))]
        seeds = {entry_id}
    else:
        rows = conn.execute(
            f"SELECT r.entry_id, r.operation_id FROM memory_relations r WHERE r.kind = ?"
            f" AND r.target = ? AND {_LIVE}", (kind, target)).fetchall()
        seeds = {r[0] for r in rows}
        ops = sorted({r[1] for r in rows if r[1]})
    if ops:
        marks = ",".join("?" * len(ops))
        seeds |= {r[0] for r in conn.execute(
            f"SELECT entry_id FROM memory_relations WHERE operation_id IN ({marks})", ops)}
    if not seeds:
        return []
    marks = ",".join("?" * len(seeds))
    sql = (f"SELECT id, session_id, role, content, ts FROM memory_entries WHERE id IN ({marks})"
           + (" AND session_id != ?" if exclude_session else "") + " ORDER BY id DESC LIMIT ?")
    params: list[Any] = [*sorted(seeds)]
    if exclude_session:
        params.append(exclude_session)
    messages = [RelatedMessage(int(i), s, None, role, text, float(ts))
                for i, s, role, text, ts in conn.execute(sql, [*params, limit])]
    by_id = {m.id: m for m in messages}
    if by_id:
        marks = ",".join("?" * len(by_id))
        for eid, op, k, t, rel in conn.execute(
                f"SELECT r.entry_id, r.operation_id, r.kind, r.target, r.relation"
                f" FROM memory_relations r WHERE r.entry_id IN ({marks}) AND {_LIVE}"
                f" ORDER BY r.id", list(by_id)):
            m = by_id[eid]
            m.operation_id = m.operation_id or op
            m.links.append(Link(k, t, rel))
    return messages


def excerpt(text: str, chars: int = EXCERPT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= chars else flat[:chars - 1].rstrip() + "…"


def message_json(m: RelatedMessage) -> dict[str, Any]:
    return {"id": m.id, "sessionId": m.session_id, "operationId": m.operation_id,
            "role": m.role, "excerpt": excerpt(m.text),
            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(m.ts)),
            "links": [{"kind": ln.kind, "target": ln.target, "relation": ln.relation}
                      for ln in m.links]}


# -- service ----------------------------------------------------------------------------------
@dataclass
class ChatTurn:
    """What one finished chat operation relates (the hooks' view of it)."""
    operation_id: str
    session_id: str
    user_entry: int | None
    assistant_entry: int | None
    message: str
    path: str | None                          # workspace-relative, the file open when asked
    response: str = ""
    steps: Sequence[tuple[str, Any]] = ()
    artifact_paths: Sequence[str] = ()
    profile_keys: Sequence[str] = ()
    pattern_id: int | None = None             # the pattern suggested for it


class RelationService:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.db = workspace.db
        self.gate = files.for_workspace(workspace)

    def _file(self, path: str) -> str | None:
        rel = self.gate.relative(path)
        return rel if rel and rel != "." and not self.gate.is_secret(rel) else None

    def _turn_links(self, turn: ChatTurn) -> tuple[list[tuple[str, str, str]],
                                                   list[tuple[str, str, str]]]:
        asked: list[tuple[str, str, str]] = []
        about = self._file(turn.path) if turn.path else None
        if about:
            asked.append(("file", about, "about"))
        asked += [("file", p, "mentioned") for p in mentioned_paths(self.gate, turn.message)
                  if p != about]
        asked += [("profile", k, "taught") for k in turn.profile_keys]
        if turn.pattern_id is not None:
            asked.append(("pattern", str(turn.pattern_id), "suggested"))
        answered = [("file", p, "read") for p in filter(None, map(self._file,
                                                                    tool_paths(turn.steps)))]
        answered += [("file", p, "proposed")
                     for p in filter(None, map(self._file, turn.artifact_paths))]
        seen = {t for _, t, _ in answered}
        answered += [("file", p, "mentioned") for p in mentioned_paths(self.gate, turn.response)
                     if p not in seen]
        return asked, answered

    def record_blocking(self, turn: ChatTurn) -> None:
        asked, answered = self._turn_links(turn)

        def write(conn: sqlite3.Connection) -> None:
            if turn.user_entry is not None:
                learned = facts_learned(conn, turn.session_id, turn.user_entry,
                                        turn.assistant_entry)
                add(conn, turn.user_entry, turn.session_id, turn.operation_id,
                    asked + [("fact", k, "taught") for k in learned])
            if turn.assistant_entry is not None:
                add(conn, turn.assistant_entry, turn.session_id, turn.operation_id, answered)
        self.db.write(write)

    async def record(self, turn: ChatTurn) -> None:
        await asyncio.to_thread(self.record_blocking, turn)

    async def link_answer(self, operation_id: str, kind: str, target: str,
                          relation: str) -> None:
        """A later link of an operation's answer (an artifact applied, a pattern taught)."""
        def write(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT r.entry_id, r.session_id FROM memory_relations r JOIN memory_entries e"
                " ON e.id = r.entry_id WHERE r.operation_id = ? AND e.role = 'assistant'"
                " LIMIT 1", (operation_id,)).fetchone()
            if row is None:
                row = conn.execute(
                    "SELECT MAX(r.entry_id), r.session_id FROM memory_relations r"
                    " WHERE r.operation_id = ?", (operation_id,)).fetchone()
            if row and row[0] is not None:
                add(conn, int(row[0]), row[1], operation_id, [(kind, target, relation)])
        await asyncio.to_thread(self.db.write, write)

    async def related(self, kind: str | None = None, target: str | None = None,
                      entry_id: int | None = None, limit: int = 20,
                      exclude_session: str | None = None) -> list[RelatedMessage]:
        if entry_id is None and kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if kind == "file" and target:
            target = self._file(target) or target
        return await asyncio.to_thread(self.db.run, lambda c: related(
            c, kind, target, entry_id, limit, exclude_session))

    async def prompt_block(self, path: str | None, session_id: str,
                           max_chats: int = 3) -> tuple[str, int] | None:
        """Earlier conversations (other sessions) about the file the user is in."""
        rel = self._file(path) if path else None
        if rel is None:
            return None
        found = await self.related("file", rel, limit=4 * max_chats, exclude_session=session_id)
        chats: dict[str, list[RelatedMessage]] = {}
        for m in found:
            chats.setdefault(m.operation_id or f"m{m.id}", []).append(m)
        lines = []
        for messages in list(chats.values())[:max_chats]:
            asked = next((m for m in messages if m.role == "user"), None)
            answer = next((m for m in messages if m.role == "assistant"), None)
            how = sorted({ln.relation for m in messages for ln in m.links if ln.target == rel})
            day = time.strftime("%Y-%m-%d", time.gmtime(messages[0].ts))
            line = f"- {day} ({', '.join(how)}): "
            line += f"asked “{excerpt(asked.text, 160)}”" if asked else ""
            line += f" — answered “{excerpt(answer.text, 200)}”" if answer else ""
            lines.append(line)
        if not lines:
            return None
        return (f"## Earlier conversations about {rel}\n\n" + "\n".join(lines), len(lines))
