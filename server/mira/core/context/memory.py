"""Conversation memory: record messages, keep summaries and facts, recall what matters.

Recall merges the session's recent messages with messages matching the question
(semantic matches from the SearchService's ``conversation`` collection when that
service exists, else SQLite FTS5 keyword matches), deduplicates them and ranks by
``0.7 * similarity + 0.3 * recency`` within a token budget. The last few turns are
replayed as chat history; older recalled messages go into the system prompt. Secret
tokens in a message are redacted before it is stored, analysed or embedded.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mira.core import secrets
from mira.core.context import memory_analysis as analysis
from mira.core.context import memory_store as store
from mira.core.context.llm import LanguageModel
from mira.core.context.tokens import count_tokens
from mira.core.semantic.service import SearchService

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)
SIMILARITY_WEIGHT = 0.7
RECENCY_WEIGHT = 0.3
HISTORY_TURNS = 6
RECENT_POOL = 20
MATCH_LIMIT = 10
SUMMARY_WINDOWS = (10, 100)
ROLES = ("user", "assistant", "system", "tool")


@dataclass
class Recalled:
    entry: store.Entry
    similarity: float
    recency: float

    @property
    def score(self) -> float:
        return SIMILARITY_WEIGHT * self.similarity + RECENCY_WEIGHT * self.recency


@dataclass
class Recall:
    history: list[store.Entry] = field(default_factory=list)
    recalled: list[Recalled] = field(default_factory=list)
    summaries: list[store.Summary] = field(default_factory=list)
    facts: list[store.StoredFact] = field(default_factory=list)
    semantic: bool = False  # True when matches came from the semantic index


class Memory:
    def __init__(self, workspace: Workspace,
                 model: Callable[[], LanguageModel | None]) -> None:
        self.ws = workspace
        self._model = model
        self.db = workspace.db

    def _search(self) -> SearchService:
        return self.ws.service(SearchService)

    # -- recording -----------------------------------------------------------------------
    async def record(self, session_id: str, role: str, content: str) -> int:
        if not session_id:
            raise ValueError("session_id must not be empty")
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        content = secrets.redact(content)  # the gate: never stored, embedded or analysed
        entry_id, salience, ts = await asyncio.to_thread(self._record, session_id, role,
                                                         content)
        if salience >= analysis.SALIENT:
            await self._embed(session_id, entry_id, role, content, ts)
        return entry_id

    def _record(self, session_id: str, role: str, content: str) -> tuple[int, float, float]:
        model = self._model()
        salience = None
        if model is not None:
            salience = analysis.llm_salience(model, role, content)
        if salience is None:
            salience = analysis.heuristic_salience(role, content)
        facts = analysis.extract_facts(role, content)
        if model is not None and role == "user" and not facts and salience >= analysis.SALIENT:
            facts = analysis.llm_facts(model, content)

        def write(conn: sqlite3.Connection) -> tuple[int, int, float]:
            entry_id = store.add_entry(conn, session_id, role, content, salience,
                                       count_tokens(content))
            for fact in facts:
                store.upsert_fact(conn, fact.key, fact.value, fact.confidence, fact.source,
                                  session_id)
            ts = float(conn.execute("SELECT ts FROM memory_entries WHERE id = ?",
                                    (entry_id,)).fetchone()[0])
            return entry_id, store.count(conn, session_id), ts

        entry_id, n, ts = self.db.write(write)
        for size in SUMMARY_WINDOWS:
            if n % size == 0:
                self._summarize(session_id, size, model)
        return entry_id, salience, ts

    def _summarize(self, session_id: str, size: int, model: LanguageModel | None) -> None:
        entries = self.db.run(lambda c: store.window(c, session_id, size))
        if not entries:
            return
        messages = [(e.role, e.content, e.salience) for e in entries]
        text, method = None, "extractive"
        if model is not None:
            text, method = analysis.llm_summary(model, messages), "llm"
        if not text:
            text, method = analysis.extractive_summary(messages), "extractive"
        if text:
            summary = store.Summary(session_id, size, entries[0].id, entries[-1].id, text,
                                    method)
            self.db.write(lambda c: store.add_summary(c, summary))

    async def _embed(self, session_id: str, entry_id: int, role: str, content: str,
                     ts: float) -> None:
        try:
            await self._search().add_conversation(session_id, str(entry_id), role, content, ts)
        except Exception:
            log.warning("adding a message to the conversation index failed", exc_info=True)
            return
        await self.db.awrite(lambda c: store.mark_embedded(c, entry_id))

    # -- recall --------------------------------------------------------------------------
    async def recall(self, session_id: str, query: str, budget: int) -> Recall:
        semantic = await self._semantic_matches(session_id, query)
        return await asyncio.to_thread(self._recall, session_id, query, budget, semantic)

    async def _semantic_matches(self, session_id: str, query: str
                                ) -> list[tuple[int, float]] | None:
        try:
            hits = await self._search().search_conversation(query, session_id=session_id,
                                                            limit=MATCH_LIMIT)
        except Exception:
            log.warning("semantic conversation search failed; using keywords", exc_info=True)
            return None
        found = []
        for hit in hits:
            try:
                found.append((int(hit.message_id or ""), hit.score))
            except ValueError:  # not a memory entry's id
                continue
        return found

    def _recall(self, session_id: str, query: str, budget: int,
                semantic: list[tuple[int, float]] | None) -> Recall:
        def read(conn: sqlite3.Connection) -> Recall:
            pool = store.recent(conn, session_id, RECENT_POOL + HISTORY_TURNS + 1)
            if pool and pool[-1].role == "user" and pool[-1].content.strip() == query.strip():
                pool = pool[:-1]  # the question itself, already recorded by the caller
            history = pool[-HISTORY_TURNS:]
            shown = {e.id for e in history}
            newest = pool[-1].id if pool else 0
            candidates: dict[int, tuple[store.Entry, float]] = {
                e.id: (e, 0.0) for e in pool if e.id not in shown}
            # keyword matches always count (only salient messages are embedded);
            # semantic matches add what is similar in meaning but not in words
            matches = list(store.keyword_search(conn, query, session_id, MATCH_LIMIT))
            if semantic:
                entries = {e.id: e for e in store.by_ids(conn, [i for i, _ in semantic])}
                known = {entry.id for entry, _ in matches}
                matches += [(entries[i], s) for i, s in semantic if i in entries
                            and entries[i].session_id == session_id and i not in known]
            for entry, sim in matches:
                if entry.id in shown or entry.id > newest:
                    continue
                old = candidates.get(entry.id)
                candidates[entry.id] = (entry, max(sim, old[1] if old else 0.0))
            ranked = []
            for entry, sim in candidates.values():
                age = int(conn.execute(
                    "SELECT COUNT(*) FROM memory_entries WHERE session_id = ? AND id > ?",
                    (session_id, entry.id)).fetchone()[0])
                ranked.append(Recalled(entry, sim, 1.0 / (1.0 + age / 10.0)))
            ranked.sort(key=lambda r: (-r.score, -r.entry.id))
            return Recall(history, ranked, store.latest_summaries(conn, session_id),
                          store.facts(conn), semantic is not None)

        recall = self.db.run(read)
        # history first (it keeps the conversation coherent), then ranked recall
        kept_history: list[store.Entry] = []
        used = 0
        for entry in reversed(recall.history):
            if used + entry.tokens > budget // 2:
                break
            kept_history.insert(0, entry)
            used += entry.tokens
        recall.history = kept_history
        chosen = []
        for item in recall.recalled:
            if item.similarity <= 0 and item.recency < 0.5:
                continue  # neither relevant nor recent
            if used + item.entry.tokens > budget:
                continue
            chosen.append(item)
            used += item.entry.tokens
        recall.recalled = chosen
        return recall

    # -- facts (users own their memory) --------------------------------------------------
    async def facts(self) -> list[store.StoredFact]:
        return await asyncio.to_thread(self.db.run, store.facts)

    async def forget(self, key: str) -> bool:
        return await self.db.awrite(lambda c: store.forget(c, key))

    async def remember(self, key: str, value: str, session_id: str | None = None) -> None:
        await self.db.awrite(lambda c: store.upsert_fact(
            c, analysis.slug(key, 12) if " " in key else key, secrets.redact(value), 1.0,
            "remember",
            session_id))
