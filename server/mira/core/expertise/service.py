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
# How long a hover waits for a file's blame that is still running (it starts when the file
# is opened): a hover answers within ~100 ms with the rest and says the blame is coming.
HOVER_BLAME_WAIT_S = 0.06


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
    pending: bool = False  # git blame is still running for this version of the file


@dataclass
class _AuthorStats:
    name: str
    emails: tuple[str, ...] = ()
    commits: int = 0
    lines: int = 0
    last: int = 0


@dataclass(frozen=True)
class _FileHistory:
    """What a file's experts need besides line ownership, computed once per file and
    index generation: a CodeLens asks for every top-level symbol of the file, and scoring
    the file's, its directory's and the repository's recent commits took ~15 ms each time
    on a 17k-commit history (on the event loop)."""

    scores: dict[str, float]  # unnormalised, per person key (``score_authors``)
    stats: dict[str, _AuthorStats]
    people: dict[str, Person]
    has_file_history: bool


_NO_HISTORY = _FileHistory({}, {}, {}, False)


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
        self._recent: dict[tuple[int, int], list[tuple[str, int]]] = {}
        self._background: set[asyncio.Future[Any]] = set()
        self._blaming: dict[tuple[Path, str, str, int], asyncio.Future[list[BlameEntry]]] = {}

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
        one version of it (the open buffer's, when given) for blame, symbol and ownership.
        The blame is waited for at most ``HOVER_BLAME_WAIT_S`` (then ``pending``)."""
        target = await self._target(path, text)
        if target is None:
            return None, []
        blame, experts = await asyncio.gather(
            self._blame_line(target, line, HOVER_BLAME_WAIT_S),
            self._experts(target, line, limit))
        return blame, experts

    async def prefetch(self, path: Path, text: str | None = None) -> None:
        """Start the file's blame now (a file was opened): its first hover finds it ready."""
        target = await self._target(path, text)
        if target is not None and self.blames.cached(
                target.root, target.rel, target.head, target.text) is None:
            self._whole_file(target)

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

    def _whole_file(self, t: _Target) -> asyncio.Future[list[BlameEntry]]:
        """The file's blame, one run per version however many requests want it."""
        key = (t.root, t.rel, t.head, hash(t.text))
        task = self._blaming.get(key)
        if task is None:
            task = self._blaming[key] = asyncio.ensure_future(self._blame_lines(t))
            self._background.add(task)

            def done(finished: asyncio.Future[list[BlameEntry]]) -> None:
                self._background.discard(finished)
                if self._blaming.get(key) is finished:
                    del self._blaming[key]
            task.add_done_callback(done)
        return task

    async def blame_line(self, path: Path, line: int, text: str | None = None
                         ) -> BlameLine | None:
        target = await self._target(path, text)
        return None if target is None else await self._blame_line(target, line, None)

    async def _blame_line(self, t: _Target, line: int, wait: float | None) -> BlameLine | None:
        """The last change of one line, from the file's whole blame (cached per version;
        ownership needs all of it anyway). ``wait``: at most this long for a blame still
        running, then a ``pending`` answer (the run goes on for the next request)."""
        entries = self.blames.cached(t.root, t.rel, t.head, t.text)
        if entries is None:
            try:
                entries = await asyncio.wait_for(asyncio.shield(self._whole_file(t)), wait)
            except TimeoutError:
                return BlameLine("", "", "", "", 0, "", False, pending=True)
        entry = entries[line] if 0 <= line < len(entries) else None
        if entry is None:
            return None
        if entry.uncommitted:
            return BlameLine(entry.commit, entry.commit[:8], "You", "", entry.time,
                             "not committed yet", True)
        return BlameLine(entry.commit, entry.commit[:8], entry.author, entry.email, entry.time,
                         entry.subject, False)

    # -- experts -------------------------------------------------------------------------
    async def experts(self, path: Path, line: int | None = None, limit: int = 5,
                      text: str | None = None) -> list[Expert]:
        target = await self._target(path, text)
        return [] if target is None else await self._experts(target, line, limit)

    async def experts_of_ranges(self, path: Path, ranges: list[tuple[int, int] | None],
                                limit: int = 5, text: str | None = None
                                ) -> list[list[Expert]]:
        """Experts of several line ranges of one file (a CodeLens per top-level symbol),
        from one lookup of the file: its history once, its symbols not looked up again.
        ``None`` stands for the whole file."""
        target = await self._target(path, text)
        if target is None:
            return [[] for _ in ranges]
        history = await self._history(target.root, target.rel)
        entries = self.blames.cached(target.root, target.rel, target.head, target.text)
        return [await self._rank(history, None if span is None else _owned(entries, span),
                                 limit, span is None) for span in ranges]

    async def _experts(self, t: _Target, line: int | None, limit: int) -> list[Expert]:
        history = await self._history(t.root, t.rel)
        owned = await self._ownership(t, line) if line is not None else None
        return await self._rank(history, owned, limit, line is None)

    async def _rank(self, history: _FileHistory, owned_by_email: dict[str, int] | None,
                    limit: int, whole_file: bool) -> list[Expert]:
        """Mix the file's scores with line ownership (blame of the symbol), normalise, rank."""
        if not history.has_file_history and whole_file:
            return []
        scores = history.scores
        owned: dict[str, int] = {}
        for email, count in (owned_by_email or {}).items():
            key = history.people[email].key if email in history.people else email
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
            s = history.stats.get(author) or _AuthorStats(await self._name(author), (author,))
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
        symbol = await _symbol_at(self.ws, t.path, line, t.text)
        return _owned(entries, symbol if symbol is not None else (0, len(entries) - 1))

    async def _history(self, root: Path, rel: str) -> _FileHistory:
        async with self.ws.reader.snapshot() as conn:
            found = await history.repo_generation(conn, root)
            if found is None:
                return _NO_HISTORY
            repo_id, generation = found
            key = (repo_id, generation, rel)
            if key in self._histories:
                return typing.cast(_FileHistory, self._histories[key])
            people = await self._people_of(conn, repo_id, generation)
            newest = await history.head_time(conn, repo_id)
            names = await self.ws.reader.path_names(conn, repo_id, generation)
            file_rows: list[tuple[str, str, int, int]] = []
            for path_id, before in await history.lineage(conn, repo_id, rel, names):
                file_rows += await history.file_authorship(conn, repo_id, path_id, before)
            dir_rows = await history.directory_authorship(conn, repo_id, rel)
            repo_rows = self._recent.get((repo_id, generation))
            if repo_rows is None:  # the same for every file: once per generation
                repo_rows = await history.recent_authorship(
                    conn, repo_id, newest - 4 * int(self.params.activity_window_days) * DAY)
                self._recent = {(repo_id, generation): repo_rows}
        # scoring is pure Python over every event: a worker thread, not the event loop
        result = await asyncio.to_thread(self._score, file_rows, dir_rows, repo_rows,
                                         int(newest), people)
        if len(self._histories) > 256:
            self._histories.clear()
        self._histories[key] = result
        return result

    def _score(self, file_rows: list[tuple[str, str, int, int]],
               dir_rows: list[tuple[str, int]], repo_rows: list[tuple[str, int]], newest: int,
               people: dict[str, Person]) -> _FileHistory:
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
        scores = score_authors(file_events, dir_events, repo_events, newest, self.params)
        return _FileHistory(scores, stats, people, bool(file_events))

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


def _owned(entries: list[BlameEntry] | None, span: tuple[int, int]) -> dict[str, int]:
    """Lines of ``span`` (first, last; 0-based) owned by each author email."""
    owned: dict[str, int] = {}
    for entry in (entries or [])[span[0]:span[1] + 1]:
        if not entry.uncommitted:
            owned[entry.email] = owned.get(entry.email, 0) + 1
    return owned


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

