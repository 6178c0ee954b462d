"""ReasoningService: store the approach of chats that went well, suggest it for similar ones.

A finished chat leaves a *trace* (its request, the tools it called, the plan in its
answer). When the outcome is good — an artifact applied, or a thumbs-up — the trace
becomes a pattern. A new request is matched against patterns (keywords, file kinds,
and embeddings when the semantic embedder is on); the best above a threshold is
injected into the prompt as "## Suggested Approach" and its use recorded; the
request's own outcome then updates that pattern's success rate. Recipes seed
patterns, so a fresh repository has useful ones before any chat.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira.core.reasoning import store
from mira.core.reasoning.store import Pattern, Trace
from mira.core.reasoning.triggers import file_kinds, keywords, plan_lines, similarity
from mira.core.recipes.names import name_of

if TYPE_CHECKING:
    from mira.core.recipes.model import Recipe
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)

MIN_SIMILARITY = 0.3
BACKFILL = 4  # chat patterns without an embedding embedded per request
_MAKING = re.compile(r"\b(?:add|adds|added|adding|new|create|creates|creating|introduce|"
                     r"introduces|implement|implements|scaffold|write|document)\b", re.I)
MAX_ARG_CHARS = 80


@dataclass
class Suggestion:
    pattern: Pattern
    similarity: float
    markdown: str


def _step(tool: str, args: Any) -> dict[str, Any]:
    if isinstance(args, dict):
        shown = ", ".join(f"{k}: {str(v)[:MAX_ARG_CHARS]}" for k, v in list(args.items())[:3])
    else:
        shown = str(args)[:MAX_ARG_CHARS]
    return {"tool": tool, "args": shown}


def render(p: Pattern, sim: float) -> str:
    rate = p.success_rate
    record = (f"success {round(rate * 100)} % (used {p.uses} time{'s' if p.uses != 1 else ''})"
              if rate is not None else "not judged yet")
    origin = "a change recipe of this repository" if p.source == "recipe" else \
        f'an earlier request that went well ("{p.title}")'
    lines = [f"This request resembles {origin}; {record}. Steps that worked:"]
    n = 0
    for s in p.steps:
        n += 1
        lines.append(f"{n}. call `{s['tool']}` ({s['args']})" if "tool" in s else
                     f"{n}. {s.get('text', '')}")
    for line in p.plan:
        n += 1
        lines.append(f"{n}. {line}")
    lines.append("Adapt these steps to this request; skip those that do not apply.")
    return "## Suggested Approach\n\n" + "\n".join(lines)


def recipe_pattern(r: Recipe, ref: str) -> Pattern:
    """The pattern a change recipe seeds: its trigger is the recipe's title, paths and
    example subjects; its steps scaffold, edit the shared files and fill in."""
    text = re.sub(r"\{\{\w+\}\}", " ", " ".join(
        [r.title, *r.files, *(e.subject for e in r.examples)]))
    steps = [{"text": f"scaffold with recipe `{r.id}` (`mira scaffold {r.id} "
                      f"NAME`, or the \"New … like …\" code action): creates "
                      + ", ".join(f"`{c.path}`" for c in r.creates)}]
    steps += [{"text": f"add to `{e.path}`: " + "; ".join(
        f"`{ln.strip()}`" for ln in e.lines)} for e in r.edits]
    steps.append({"text": "fill in the new files, following the latest example "
                          + (f"({r.examples[0].commit[:10]} "
                             f"{r.examples[0].subject})" if r.examples else "")})
    return Pattern(0, r.title, text, keywords(text), file_kinds(r.files), None, steps, [],
                   "recipe", ref)


def shaped_like(path: str | None, ref: str | None, shapes: dict[str, list[str]] | None
                ) -> bool | None:
    """For a recipe pattern: is the open file shaped like one of the files the recipe
    creates (what the "New … like …" code action uses)? None when unknown."""
    if not path or not ref or shapes is None or ref not in shapes:
        return None
    root = ref.split(":", 2)[1] if ref.startswith("recipe:") and ref.count(":") >= 2 else None
    rel = path
    if root and Path(path).is_absolute():
        try:
            rel = Path(path).relative_to(root).as_posix()
        except ValueError:
            return False
    return any(name_of(rel, t) for t in shapes[ref])


def best_match(patterns: Sequence[Pattern], message: str, path: str | None,
               vec: Sequence[float] | None = None,
               shapes: dict[str, list[str]] | None = None) -> tuple[Pattern, float] | None:
    """The pattern to suggest for a request: similarity >= MIN_SIMILARITY, ranked by
    similarity weighted by the smoothed success rate. Pure (benchmarks replay it)."""
    words, kinds = keywords(message), file_kinds([path])
    making = bool(_MAKING.search(message))
    best: tuple[Pattern, float, float] | None = None
    for p in patterns:
        q_kinds, p_kinds = kinds, p.file_kinds
        if p.source == "recipe":
            if not making:
                continue  # a recipe makes a new thing: only for requests to add or create one
            shaped = shaped_like(path, p.source_ref, shapes)
            if shaped is not None:  # the open file's shape, not its extension, is the signal
                q_kinds, p_kinds = (["shape"], ["shape"]) if shaped else ([], [])
        sim = similarity(words, q_kinds, vec, p.keywords, p_kinds, p.embedding)
        score = sim * (0.5 + 0.5 * p.smoothed_success)
        if sim >= MIN_SIMILARITY and (best is None or score > best[2]):
            best = (p, sim, score)
    return (best[0], best[1]) if best else None


class ReasoningService:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.db = workspace.db
        self._seeded = False

    # -- embeddings (optional) ---------------------------------------------------------
    def _embed(self, text: str) -> list[float] | None:
        if not self.ws.config.semantic_enabled:
            return None
        try:
            module = importlib.import_module("mira.core.semantic.service")
            vec = self.ws.service(module.SearchService).embedder().embed([text])[0]
            return [round(float(x), 5) for x in vec]
        except Exception:
            log.warning("no embedding for reasoning patterns; keywords only", exc_info=True)
            return None

    # -- seeding -----------------------------------------------------------------------
    def seed_from_recipes(self) -> int:
        """One pattern per stored recipe (created once; recipes mined later join next time)."""
        try:
            from mira.core.recipes import store as recipe_store
        except ImportError:
            return 0

        def seed(conn: sqlite3.Connection) -> int:
            roots = [r[0] for r in conn.execute("SELECT DISTINCT repo_root FROM recipes")]
            added = 0
            for root in roots:
                for r in recipe_store.load(conn, root):
                    ref = f"recipe:{root}:{r.id}"
                    if r.retired or store.by_ref(conn, ref) is not None:
                        continue
                    store.insert(conn, recipe_pattern(r, ref))
                    added += 1
            return added
        return self.db.write(seed)

    # -- matching ----------------------------------------------------------------------
    def _best(self, message: str, path: str | None) -> tuple[Pattern, float] | None:
        if not self._seeded:
            self._seeded = True
            try:
                self.seed_from_recipes()
            except sqlite3.Error:
                log.warning("seeding patterns from recipes failed", exc_info=True)
        found = self.db.run(store.patterns)
        if not found:
            return None
        self._backfill_embeddings(found)
        vec = self._embed(message) if any(p.embedding for p in found) else None
        return best_match(found, message, path, vec, self._shapes(found) if path else None)

    def _backfill_embeddings(self, patterns: Sequence[Pattern]) -> None:
        """Chat patterns stored while the embedding model was busy or off get their trigger's
        embedding later (a few per request), so they do not stay keyword-only for good."""
        if not self.ws.config.semantic_enabled:
            return
        for p in [p for p in patterns if p.source == "chat" and not p.embedding][:BACKFILL]:
            vec = self._embed(p.trigger)
            if vec is None:
                return  # busy or failing: next time
            p.embedding = vec
            self.db.write(functools.partial(store.set_embedding, pid=p.id, vec=vec))

    def _shapes(self, patterns: Sequence[Pattern]) -> dict[str, list[str]]:
        """The created-file templates of the recipes behind recipe patterns, by source_ref."""
        roots = {p.source_ref.split(":", 2)[1] for p in patterns
                 if p.source == "recipe" and p.source_ref and p.source_ref.count(":") >= 2}
        if not roots:
            return {}
        from mira.core.recipes import store as recipe_store

        def read(conn: sqlite3.Connection) -> dict[str, list[str]]:
            return {f"recipe:{root}:{r.id}": [c.path for c in r.creates]
                    for root in roots for r in recipe_store.load(conn, root)}
        try:
            return self.db.run(read)
        except sqlite3.Error:
            return {}

    async def suggest(self, op_id: str, message: str, path: str | None) -> Suggestion | None:
        """The best matching pattern, its use recorded against ``op_id``."""
        found = await asyncio.to_thread(self._best, message, path)
        if found is None:
            return None
        p, sim = found
        await asyncio.to_thread(self.db.write, lambda c: store.record_use(c, p.id, op_id, sim))
        p.uses += 1
        return Suggestion(p, round(sim, 3), render(p, sim))

    # -- learning ----------------------------------------------------------------------
    async def observe(self, op_id: str, message: str, path: str | None, response: str,
                      steps: Sequence[tuple[str, Any]], artifact_paths: Sequence[str]) -> None:
        """Keep a finished operation's trace until its outcome is known."""
        trace = Trace(op_id, message, file_kinds([path, *artifact_paths]),
                      [_step(t, a) for t, a in steps], plan_lines(response))
        await asyncio.to_thread(self.db.write, lambda c: store.save_trace(c, trace))

    async def outcome(self, op_id: str, good: bool) -> Pattern | None:
        """A good or bad outcome of ``op_id``: settles the patterns it used and, when good,
        stores its own approach as a pattern (once). Returns that pattern."""
        result = "success" if good else "failure"
        trace = await asyncio.to_thread(self.db.run, lambda c: store.trace(c, op_id))
        vec = self._embed(trace.message) if good and trace else None

        def write(conn: sqlite3.Connection) -> Pattern | None:
            store.settle_uses(conn, op_id, result)
            if trace is None:
                return None
            store.set_trace_outcome(conn, op_id, result)
            own = store.by_ref(conn, op_id)
            if not good or own is not None:
                return own
            if not trace.steps and not trace.plan:
                return None
            pid = store.insert(conn, Pattern(
                0, trace.message.strip().splitlines()[0][:80], trace.message,
                keywords(trace.message), trace.file_kinds, vec, trace.steps, trace.plan,
                "chat", op_id, successes=1))
            return store.pattern(conn, pid)
        return await asyncio.to_thread(self.db.write, write)

    # -- inspection ----------------------------------------------------------------------
    async def list(self) -> list[Pattern]:
        await asyncio.to_thread(self._seed_once)
        return await asyncio.to_thread(self.db.run, store.patterns)

    def _seed_once(self) -> None:
        if not self._seeded:
            self._seeded = True
            self.seed_from_recipes()

    async def show(self, pid: int) -> Pattern | None:
        return await asyncio.to_thread(self.db.run, lambda c: store.pattern(c, pid))

    async def forget(self, pid: int) -> bool:
        return await asyncio.to_thread(self.db.write, lambda c: store.forget(c, pid))


def pattern_json(p: Pattern, markdown: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.id, "title": p.title, "source": p.source, "keywords": p.keywords,
        "fileKinds": p.file_kinds, "steps": p.steps, "plan": p.plan, "uses": p.uses,
        "successes": p.successes, "failures": p.failures, "successRate": p.success_rate}
    if markdown:
        out["markdown"] = render(p, 1.0)
    return out


def workspace_path(ws: Workspace, path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.resolve().relative_to(ws.root).as_posix()
    except ValueError:
        return None
