"""Who is who: one person behind several author emails.

The history already comes through ``.mailmap`` (git log's ``%aN``/``%aE``), which is
the project's own word and always wins. What it leaves split is joined here, in
order of trust:

- the same normalised name ("José Álvarez" = "jose alvarez"), unless the name is
  too generic to identify anyone ("root", "unknown", a single letter);
- the same email local part, with the forge's no-reply patterns unwrapped
  (``12345+octo@users.noreply.github.com`` is ``octo``), unless the local part is a
  role (``info``, ``admin``, ``me`` ...).

A person is shown under the name they used most, with all their emails; their key
is the email they used most (ties: the smallest), so it is stable across runs.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_NOREPLY = re.compile(r"^(?:\d+\+)?(?P<login>[^@]+)@users\.noreply\.github\.com$")
_NOREPLY_HOSTS = ("users.noreply.github.com", "users.noreply.gitlab.com",
                  "noreply.codeberg.org")
GENERIC_NAMES = frozenset({
    "", "root", "unknown", "user", "admin", "administrator", "ubuntu", "runner", "github",
    "github actions", "dependabot", "dependabot[bot]", "renovate[bot]", "bot", "ci",
    "none", "nobody", "anonymous", "your name", "local", "git"})
GENERIC_LOCALS = frozenset({
    "", "me", "mail", "email", "info", "admin", "root", "dev", "developer", "git", "github",
    "noreply", "no-reply", "user", "test", "contact", "hello", "hi", "support", "office",
    "team", "code", "bot", "ci", "security", "webmaster", "postmaster", "name",
    "action", "actions", "dependabot", "unknown", "nobody", "none", "example"})
MIN_LOCAL = 3


@dataclass(frozen=True)
class Person:
    key: str  # the email used most: a stable identifier
    name: str
    emails: tuple[str, ...]


def normalised_name(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded.lower()).split())


def email_login(email: str) -> str:
    """The local part, or the login of a forge no-reply address."""
    email = email.strip().lower()
    match = _NOREPLY.match(email)
    if match:
        return match.group("login")
    local, _, host = email.partition("@")
    if host in _NOREPLY_HOSTS:
        return local.split("+", 1)[-1]
    return local


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def resolve(authors: Iterable[tuple[str, str, int]]) -> dict[str, Person]:
    """(email, name, commits) per author email -> the Person of every email."""
    union = _Union()
    commits: Counter[str] = Counter()
    names: dict[str, Counter[str]] = {}
    by_name: dict[str, str] = {}
    by_login: dict[str, str] = {}
    for email, name, count in sorted(authors):
        email = email.strip().lower()
        union.find(email)
        commits[email] += count
        names.setdefault(email, Counter())[name] += count
        normal = normalised_name(name)
        if normal not in GENERIC_NAMES and len(normal) > 1 and not normal.endswith(" bot"):
            union.join(email, by_name.setdefault(normal, email))
        login = email_login(email)
        if len(login) >= MIN_LOCAL and login not in GENERIC_LOCALS and "@" in email:
            union.join(email, by_login.setdefault(login, email))
    groups: dict[str, list[str]] = {}
    for email in commits:
        groups.setdefault(union.find(email), []).append(email)
    result: dict[str, Person] = {}
    for members in groups.values():
        key = min(members, key=lambda e: (-commits[e], e))
        used: Counter[str] = Counter()
        for e in members:
            used.update(names[e])
        name = min(used, key=lambda n: (-used[n], n))
        person = Person(key, name, tuple(sorted(members)))
        for e in members:
            result[e] = person
    return result
