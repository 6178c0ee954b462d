"""ExpertiseService: experts per file / directory / symbol, and line blame.

File and directory histories come from the git index (SQLite); symbol ranges from
the code-intelligence service when it is installed (file level otherwise); line
ownership from blame.
"""

from __future__ import annotations

import asyncio
import logging
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira.core.code.service import CodeService
from mira.core.expertise.blame import BlameCache, BlameEntry, BlameError
from mira.core.expertise.identity import Person, resolve
from mira.core.expertise.model import DAY, Event, ExpertiseParams, score_authors
from mira.core.git import history_store as history
from mira.core.git.repository import relative_path

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)

BLAME_SHARE = 0.5  # weight of line ownership in a symbol's score


@dataclass(frozen=True)
class Expert:
    name: str
    email: str  # the email the person used most
    score: float  # 0..1, share of the ranked authors' total
    commits: int
    lines: int
    last_commit: int  # unix time; 0 when only blame knows the author
    emails: tuple[str, ...] = ()  # every email of the person (identity resolution)


@dataclass(frozen=True)
class BlameLine:
    commit: str
    short: str
    author: str
    email: str
    time: int
    subject: str
    uncommitted: bool


@dataclass
class _AuthorStats:
    name: str
    emails: tuple[str, ...] = ()
    commits: int = 0
    lines: int = 0
    last: int = 0


@dataclass(frozen=True)
class _Target:
    path: Path
    root: Path  # its repository
    rel: str
    head: str  # the last indexed HEAD ("" when none): the blame cache key
    text: str | None  # the open buffer, CRLF normalised; None: the file on disk


class ExpertiseService:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.params = ExpertiseParams()
        self.blames = BlameCache()
        self._histories: dict[tuple[int, int, str], Any] = {}
        self._people: dict[tuple[int, int], dict[str, Person]] = {}
        self._background: set[asyncio.Future[Any]] = set()

    # -- one file, looked up once ---------------------------------------------------------
    async def _target(self, path: Path, text: str | None = None) -> _Target | None:
        """The file's repository, relative path and HEAD, resolved once per request."""
        repo = self.ws.repo_for(path)
        if repo is None:
            return None
        return _Target(path, repo.root, relative_path(path, repo.root),
                       await self.ws.reader.head_oid(repo.root), _normalise(text))

    async def hover(self, path: Path, line: int, text: str | None, limit: int
                    ) -> tuple[BlameLine | None, list[Expert]]:
        """A hover's last change and experts of the line, from one lookup of the file and
        one version of it (the open buffer's, when given) for blame, symbol and ownership."""
        target = await self._target(path, text)
        if target is None:
            return None, []
        blame, experts = await asyncio.gather(self._blame_line(target, line),
                                              self._experts(target, line, limit))
        return blame, experts

    # -- blame ---------------------------------------------------------------------------
    async def blame_lines(self, path: Path, text: str | None = None) -> list[BlameEntry]:
        target = await self._target(path, text)
        return [] if target is None else await self._blame_lines(target)

    async def _blame_lines(self, t: _Target) -> list[BlameEntry]:
        if t.text is None and not t.path.is_file():
            return []
        try:
            return await asyncio.to_thread(self.blames.blame, t.root, t.rel, t.head, t.text)
        except BlameError as exc:  # untracked, ignored, binary, deleted: no answer
            log.debug("no blame for %s: %s", t.rel, exc)
            return []

    async def blame_line(self, path: Path, line: int, text: str | None = None
                         ) -> BlameLine | None:
        target = await self._target(path, text)
        return None if target is None else await self._blame_line(target, line)

    async def _blame_line(self, t: _Target, line: int) -> BlameLine | None:
        """The last change of one line.

        A cached whole-file blame answers at once. Otherwise a one-line blame (``-L``,
        5-20x faster on long histories) answers, and the whole-file blame runs after it
        in the background (two git processes at once only slow each other down).
        """
        cached = self.blames.cached(t.root, t.rel, t.head, t.text)
        entry: BlameEntry | None
        if cached is not None:
            entry = cached[line] if 0 <= line < len(cached) else None
        else:
            entry = await self._blame_one(t, line)
            # then the whole file, in the background, for ownership and the next hovers
            task = asyncio.ensure_future(self._blame_lines(t))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        if entry is None:
            return None
        if entry.uncommitted:
            return BlameLine(entry.commit, entry.commit[:8], "You", "", entry.time,
                             "not committed yet", True)
        return BlameLine(entry.commit, entry.commit[:8], entry.author, entry.email, entry.time,
                         entry.subject, False)

    async def _blame_one(self, t: _Target, line: int) -> BlameEntry | None:
        if line < 0:
            return None
        try:
            return await asyncio.to_thread(self.blames.blame_one, t.root, t.rel, line, t.text)
        except BlameError:
            return None

    # -- experts -------------------------------------------------------------------------
    async def experts(self, path: Path, line: int | None = None, limit: int = 5,
                      text: str | None = None) -> list[Expert]:
        target = await self._target(path, text)
        return [] if target is None else await self._experts(target, line, limit)

    async def _experts(self, t: _Target, line: int | None, limit: int) -> list[Expert]:
        events, stats, people = await self._history(t.root, t.rel)
        if not events[0] and line is None:
            return []
        scores = score_authors(events[0], events[1], events[2], events[3], self.params)
        if line is not None:
            owned: dict[str, int] = {}
            for email, count in (await self._ownership(t, line)).items():
                key = people[email].key if email in people else email
                owned[key] = owned.get(key, 0) + count
            if owned:
                total = sum(scores.values()) or 1.0
                owned_total = sum(owned.values())
                scores = {a: (1 - BLAME_SHARE) * scores.get(a, 0.0) / total
                          + BLAME_SHARE * owned.get(a, 0) / owned_total
                          for a in set(scores) | set(owned)}
        total = sum(scores.values()) or 1.0
        # rounded before ranking: equal scores tie exactly, and ties go to the key
        ranked = sorted(scores.items(), key=lambda kv: (-round(kv[1], 9), kv[0]))[:limit]
        result = []
        for author, score in ranked:
            s = stats.get(author) or _AuthorStats(await self._name(author), (author,))
            result.append(Expert(s.name, author, round(score / total, 4), s.commits, s.lines,
                                 s.last, s.emails or (author,)))
        return result

    async def _ownership(self, t: _Target, line: int) -> dict[str, int]:
        """Lines of the enclosing symbol (or the whole file) owned by each author, from the
        same version of the file (the open buffer's) for the blame and the symbol.

        Only from a whole-file blame that is already cached: a cold hover must not wait
        for it (it is started by ``blame_line`` and ready for the next request)."""
        entries = self.blames.cached(t.root, t.rel, t.head, t.text)
        if not entries:
            return {}
        start, end = 0, len(entries) - 1
        symbol = await _symbol_at(self.ws, t.path, line, t.text)
        if symbol is not None:
            start, end = symbol
        owned: dict[str, int] = {}
        for entry in entries[start:end + 1]:
            if not entry.uncommitted:
                owned[entry.email] = owned.get(entry.email, 0) + 1
        return owned

    async def _history(self, root: Path, rel: str) -> tuple[
            tuple[list[Event], list[Event], list[Event], int], dict[str, _AuthorStats],
            dict[str, Person]]:
        async with self.ws.reader.snapshot() as conn:
            found = await history.repo_generation(conn, root)
            if found is None:
                return ([], [], [], 0), {}, {}
            repo_id, generation = found
            key = (repo_id, generation, rel)
            if key in self._histories:
                return typing.cast(Any, self._histories[key])
            people = await self._people_of(conn, repo_id, generation)
            newest = await history.head_time(conn, repo_id)
            names = await self.ws.reader.path_names(conn, repo_id, generation)
            file_rows: list[tuple[str, str, int, int]] = []
            for path_id, before in await history.lineage(conn, repo_id, rel, names):
                file_rows += await history.file_authorship(conn, repo_id, path_id, before)
            dir_rows = await history.directory_authorship(conn, repo_id, rel)
            repo_rows = await history.recent_authorship(
                conn, repo_id, newest - 4 * int(self.params.activity_window_days) * DAY)

        def person(email: str) -> str:
            found = people.get(email)
            return found.key if found is not None else email

        stats: dict[str, _AuthorStats] = {}
        file_events = []
        for email, name, when, lines in file_rows:
            who = people.get(email)
            file_events.append(Event(person(email), int(when), int(lines)))
            s = stats.setdefault(person(email), _AuthorStats(
                who.name if who else name, who.emails if who else (email,)))
            s.commits += 1
            s.lines += int(lines)
            s.last = max(s.last, int(when))
        dir_events = [Event(person(email), int(when)) for email, when in dir_rows]
        repo_events = [Event(person(email), int(when)) for email, when in repo_rows]
        result = (file_events, dir_events, repo_events, int(newest)), stats, people
        if len(self._histories) > 256:
            self._histories.clear()
        self._histories[key] = result
        return result

    async def _people_of(self, conn: Any, repo_id: int, generation: int) -> dict[str, Person]:
        """Every author email of the repository -> its person, once per generation."""
        key = (repo_id, generation)
        found = self._people.get(key)
        if found is None:
            found = resolve(await history.author_commit_counts(conn, repo_id))
            self._people = {key: found}
        return found

    async def _name(self, email: str) -> str:
        async with self.ws.reader.snapshot() as conn:
            return await history.author_name(conn, email) or email


def _normalise(text: str | None) -> str | None:
    """CRLF buffers blame like their LF checkout would."""
    return None if text is None else text.replace("\r\n", "\n")


async def _symbol_at(ws: Workspace, path: Path, line: int, text: str | None
                     ) -> tuple[int, int] | None:
    try:
        symbol = await ws.service(CodeService).symbol_at(path, line, text=text)
    except Exception:
        log.exception("symbol lookup failed")
        return None
    return (int(symbol.start_line), int(symbol.end_line)) if symbol is not None else None

