"""The user's profile: preferences, tech stack and communication style learned from chats.

Learned from the user's own messages with explicit phrasings only ("I prefer …",
"we use …", "be concise", "never …"), each as a fact with a confidence that grows
when it is said again. Users see, edit and delete every fact (``mira profile``);
what they set has confidence 1. Facts at or above ``PROMPT_CONFIDENCE`` shape the
persona and the prompt.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mira.core import secrets

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

FIRST_CONFIDENCE = 0.5
PROMPT_CONFIDENCE = 0.5
CATEGORIES = ("preference", "stack", "style")
_END = r"([^.,;!?\n]{2,60})"
_RULES: list[tuple[str, re.Pattern[str], str]] = [
    ("style", re.compile(r"\b(?:be|keep it|answers? (?:should be|more))\s+(?:more\s+)?"
                         r"(brief|concise|short|terse)\b", re.I), "concise answers"),
    ("style", re.compile(r"\b(?:shorter|brief) answers?\b|\bjust (?:show )?the code\b", re.I),
     "concise answers"),
    ("style", re.compile(r"\bexplain (?:it )?(?:in (?:more )?detail|step by step|thoroughly)\b",
                         re.I), "detailed explanations"),
    ("style", re.compile(r"\b(?:answer|reply|respond) in (english|german|french|spanish|"
                         r"italian|portuguese|dutch|polish|japanese|chinese)\b", re.I),
     "answers in {0}"),
    ("stack", re.compile(r"\b(?:we|i) (?:use|are using|am using|work with|build with)\s+" + _END,
                         re.I), "uses {0}"),
    ("stack", re.compile(r"\bour (?:stack|backend|frontend) (?:is|uses)\s+" + _END, re.I),
     "uses {0}"),
    ("preference", re.compile(r"\bi (?:prefer|like|always use|favou?r)\s+" + _END, re.I),
     "prefers {0}"),
    ("preference", re.compile(r"\b(?:please )?(?:never|don't|do not) (?:use|suggest|add)\s+"
                              + _END, re.I), "avoid {0}"),
]


@dataclass
class Fact:
    key: str
    category: str
    value: str
    confidence: float
    evidence: int
    source: str  # learned | user
    updated_at: float


def fact_json(f: Fact) -> dict[str, Any]:
    return {"key": f.key, "category": f.category, "value": f.value,
            "confidence": f.confidence, "evidence": f.evidence, "source": f.source}


def extract(message: str) -> list[tuple[str, str]]:
    """(category, value) facts a user message states about its author."""
    found: list[tuple[str, str]] = []
    for category, rule, template in _RULES:
        for m in rule.finditer(message):
            value = template.format(*(g.strip().rstrip(" .") for g in m.groups()))
            value = re.sub(r"\s+", " ", value).strip()
            if len(value) > 4 and (category, value) not in found:
                found.append((category, value))
    return found


def key_for(category: str, value: str) -> str:
    return f"{category}:{re.sub(r'[^a-z0-9]+', ' ', value.lower()).strip()}"


_COLS = "key, category, value, confidence, evidence, source, updated_at"


class ProfileService:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.db = workspace.db

    async def facts(self) -> list[Fact]:
        def read(conn: sqlite3.Connection) -> list[Fact]:
            return [Fact(*row) for row in conn.execute(
                f"SELECT {_COLS} FROM user_profile ORDER BY category, confidence DESC, key")]
        return await asyncio.to_thread(self.db.run, read)

    async def learn(self, message: str) -> list[Fact]:
        """Facts the message states, added or made more certain."""
        if secrets.find(message) or any(secrets.secret_name(w) for w in message.split()
                                         if "." in w or "/" in w):
            return []  # a message naming a secret file or holding a token teaches nothing
        stated = extract(message)
        if not stated:
            return []

        def write(conn: sqlite3.Connection) -> list[str]:
            keys = []
            for category, value in stated:
                key = key_for(category, value)
                row = conn.execute("SELECT confidence, source FROM user_profile WHERE key = ?",
                                   (key,)).fetchone()
                if row is None:
                    conn.execute(f"INSERT INTO user_profile({_COLS}) VALUES (?,?,?,?,1,"
                                 "'learned',?)", (key, category, value, FIRST_CONFIDENCE,
                                                  time.time()))
                elif row[1] != "user":
                    conn.execute("UPDATE user_profile SET confidence = ?, evidence = evidence"
                                 " + 1, updated_at = ? WHERE key = ?",
                                 (round(1 - (1 - row[0]) * 0.5, 3), time.time(), key))
                keys.append(key)
            return keys
        keys = await asyncio.to_thread(self.db.write, write)
        return [f for f in await self.facts() if f.key in keys]

    async def set(self, category: str, value: str, key: str | None = None) -> Fact:
        """The user's own statement (or correction of ``key``): confidence 1."""
        if category not in CATEGORIES:
            raise ValueError(f"category must be one of {', '.join(CATEGORIES)}")
        value = value.strip()
        if not value:
            raise ValueError("a profile fact needs a value")
        new_key = key_for(category, value)

        def write(conn: sqlite3.Connection) -> None:
            if key and key != new_key:
                conn.execute("DELETE FROM user_profile WHERE key = ?", (key,))
            conn.execute(f"INSERT OR REPLACE INTO user_profile({_COLS}) VALUES (?,?,?,1.0,1,"
                         "'user',?)", (new_key, category, value, time.time()))
        await asyncio.to_thread(self.db.write, write)
        return next(f for f in await self.facts() if f.key == new_key)

    async def forget(self, key: str) -> bool:
        def write(conn: sqlite3.Connection) -> bool:
            if key == "all":
                conn.execute("DELETE FROM memory_relations WHERE kind = 'profile'")
                return conn.execute("DELETE FROM user_profile").rowcount > 0
            conn.execute("DELETE FROM memory_relations WHERE kind = 'profile' AND target = ?",
                         (key,))
            return conn.execute("DELETE FROM user_profile WHERE key = ?", (key,)).rowcount > 0
        return await asyncio.to_thread(self.db.write, write)

    async def prompt_block(self) -> str | None:
        """The persona's addition: how to address this user, from confident facts."""
        facts = [f for f in await self.facts() if f.confidence >= PROMPT_CONFIDENCE]
        if not facts:
            return None
        style = [f.value for f in facts if f.category == "style"]
        lines = ["## About the user", ""]
        if style:
            lines.append("Answer style the user asked for: " + "; ".join(style) + ".")
        for f in facts:
            if f.category != "style":
                lines.append(f"- {f.value}")
        lines.append("Follow these unless the request says otherwise.")
        return "\n".join(lines)
