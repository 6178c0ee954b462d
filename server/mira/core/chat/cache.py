"""The model response cache: the same question with the same context is not paid twice.

The key hashes everything that shapes the answer (messages, which include the
system prompt and tool results; tool schemas; model; reasoning effort), so a
changed file or a new tool result is a different key. Entries expire after a TTL
and the least recently used go first once the cache is over its size.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from mira.core.chat.llm_client import LLMResponse
from mira.core.stores.database import Database


def cache_key(messages: list[dict[str, Any]], tools: list[dict[str, Any]], model: str,
              effort: str | None) -> str:
    blob = json.dumps({"messages": messages, "tools": tools, "model": model, "effort": effort},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class CacheStats:
    entries: int
    bytes: int


class ResponseCache:
    def __init__(self, db: Database, ttl_s: float, max_bytes: int) -> None:
        self.db = db
        self.ttl_s = ttl_s
        self.max_bytes = max_bytes

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    def get(self, key: str, now: float | None = None) -> LLMResponse | None:
        if not self.enabled:
            return None
        now = time.time() if now is None else now

        def read(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT response, created_at FROM llm_cache WHERE key = ?",
                               (key,)).fetchone()
            if row is None:
                return None
            if now - float(row[1]) > self.ttl_s:
                conn.execute("DELETE FROM llm_cache WHERE key = ?", (key,))
                return None
            conn.execute("UPDATE llm_cache SET used_at = ?, hits = hits + 1 WHERE key = ?",
                         (now, key))
            return str(row[0])
        raw = self.db.write(read)
        return LLMResponse.from_json(json.loads(raw)) if raw is not None else None

    def put(self, key: str, response: LLMResponse, now: float | None = None) -> None:
        if not self.enabled:
            return
        now = time.time() if now is None else now
        raw = json.dumps(response.to_json(), ensure_ascii=False)

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT OR REPLACE INTO llm_cache (key, response, size, created_at,"
                         " used_at, hits) VALUES (?, ?, ?, ?, ?, 0)",
                         (key, raw, len(raw.encode("utf-8")), now, now))
            conn.execute("DELETE FROM llm_cache WHERE created_at < ?", (now - self.ttl_s,))
            total = int(conn.execute("SELECT COALESCE(SUM(size), 0) FROM llm_cache"
                                     ).fetchone()[0])
            if total <= self.max_bytes:
                return
            for old_key, size in conn.execute(
                    "SELECT key, size FROM llm_cache ORDER BY used_at ASC").fetchall():
                if total <= self.max_bytes:
                    break
                conn.execute("DELETE FROM llm_cache WHERE key = ?", (old_key,))
                total -= int(size)
        self.db.write(write)

    def stats(self) -> CacheStats:
        def read(conn: sqlite3.Connection) -> CacheStats:
            n, size = conn.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM llm_cache"
                                   ).fetchone()
            return CacheStats(int(n), int(size))
        return self.db.run(read)
