"""Clustering commits into recipes on their path templates (pure; no git, no model).

A commit that adds ``src/handlers/search.py`` and ``tests/test_search.py`` has,
for the name ``search``, the key ``(src/handlers/{{snake}}.py,
tests/test_{{snake}}.py)``. Keys shared by enough commits with *different* names
are recipes. Why votes over the whole history rather than a name guessed per
commit: the varying part of a path is only visible across commits (in
``changelog/1234.bugfix.rst`` the name is the number because other commits add
``changelog/987.bugfix.rst``), so a commit picks the key that most of history
agrees with.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from mira.core.recipes.names import Words, abstract, has_placeholder, name_candidates, spell

MAX_ADDED = 12          # a commit adding more files is an import or a move, not a recipe
MIN_NAME_CHARS = 3      # "v", "2", "io" are too short to be a thing's name
EDIT_SHARE = 0.5        # a shared file is part of a recipe when this share of instances edits it
_SKIP_DIRS = ("node_modules/", "vendor/", "third_party/", "dist/", "build/")
_BINARY = (".png", ".jpg", ".jpeg", ".gif", ".ico", ".bmp", ".webp", ".pdf", ".woff", ".woff2",
           ".ttf", ".eot", ".otf", ".zip", ".gz", ".tgz", ".jar", ".whl", ".so", ".dll", ".exe",
           ".mp3", ".mp4", ".wav", ".pyc", ".bin", ".lock")

Key = tuple[str, ...]


@dataclass(frozen=True)
class ChangeSet:
    """What one non-merge commit did to paths."""
    oid: str
    time: int
    subject: str
    added: tuple[str, ...]
    modified: tuple[str, ...]
    parent: str | None = None


@dataclass
class Instance:
    change: ChangeSet
    words: Words
    files: tuple[str, ...]  # the added paths the key explains


@dataclass
class Cluster:
    key: Key
    instances: list[Instance] = field(default_factory=list)
    shared_files: list[str] = field(default_factory=list)  # registry files edited alongside

    @property
    def support(self) -> int:
        return len(self.instances)


def _usable(path: str) -> bool:
    return not any(d in path for d in _SKIP_DIRS) and not path.lower().endswith(_BINARY)


def _specific(template: str) -> bool:
    """A template says where and what: a folder, or more than the name and an extension
    (``{{upper}}`` or ``{{snake}}.md`` alone would match any top-level file)."""
    if "/" in template:
        return True
    literal = re.sub(r"\{\{\w+\}\}", "", template)
    return bool(literal) and not re.fullmatch(r"\.?[\w]*", literal)


def _segments(path: str) -> list[str]:
    parts = path.split("/")
    stem = parts[-1].split(".")[0] or parts[-1]
    return [stem, *parts[-3:-1]]


_NUMBER_NEXT = re.compile(r"\}\}[.\-_]?\d|\d[.\-_]?\{\{")


def _whole_name(template: str) -> bool:
    """The placeholder is not part of a larger number (``release-{{kebab}}.0.0.rst`` abstracts
    only the major version of what really varies)."""
    return _NUMBER_NEXT.search(template) is None


def candidate_keys(added: Sequence[str]) -> dict[Words, Key]:
    """For each name spelled in the added paths: the templates of the paths it appears in."""
    names: set[Words] = set()
    for path in added:
        for segment in _segments(path):
            names.update(name_candidates(segment))
    keys: dict[Words, Key] = {}
    for words in names:
        if len(spell(words, "flat")) < MIN_NAME_CHARS:
            continue
        templates = sorted({t for t in (abstract(p, words) for p in added) if has_placeholder(t)})
        if templates and all(_whole_name(t) for t in templates) and (
                len(templates) > 1 or _specific(templates[0])):
            keys[words] = tuple(templates)
    return keys


def _subkeys(key: Key) -> Iterable[Key]:
    if len(key) <= 4:
        for n in range(1, len(key) + 1):
            yield from combinations(key, n)
    else:
        yield key
        for i in range(len(key)):
            yield key[:i] + key[i + 1:]


def _literal(key: Key) -> int:
    return sum(len(t) for t in key)


def cluster(changes: Iterable[ChangeSet], min_support: int = 3) -> list[Cluster]:
    """Recipes' clusters, most instances first. ``changes`` in any order."""
    per_change: list[tuple[ChangeSet, dict[Words, Key]]] = []
    support: dict[Key, set[Words]] = defaultdict(set)
    for change in changes:
        added = [p for p in change.added if _usable(p)]
        if not added or len(change.added) > MAX_ADDED:
            continue
        keys = candidate_keys(added)
        per_change.append((change, keys))
        for words, key in keys.items():
            for sub in _subkeys(key):
                support[sub].add(words)

    def eligible(key: Key) -> bool:
        return len(support.get(key, ())) >= min_support

    clusters: dict[Key, Cluster] = {}
    for change, keys in per_change:
        remaining = dict(keys)
        taken: set[str] = set()
        while remaining:
            best: tuple[tuple[int, int, int], Words, Key] | None = None
            for words, key in remaining.items():
                for sub in _subkeys(key):
                    if not eligible(sub) or taken.intersection(_explained(change, words, sub)):
                        continue
                    rank = (len(sub), int(math.log2(len(support[sub]))), _literal(sub))
                    if best is None or rank > best[0]:
                        best = (rank, words, sub)
            if best is None:
                break
            _, words, sub = best
            files = _explained(change, words, sub)
            taken.update(files)
            clusters.setdefault(sub, Cluster(sub)).instances.append(Instance(change, words, files))
            remaining.pop(words)
    found = [c for c in clusters.values()
             if len({i.words for i in c.instances}) >= min_support]
    for c in found:
        c.instances.sort(key=lambda i: i.change.time)
        c.shared_files = shared_files(c)
    found.sort(key=lambda c: (-len(c.key) * c.support, c.key))
    return found


def _explained(change: ChangeSet, words: Words, key: Key) -> tuple[str, ...]:
    wanted = set(key)
    return tuple(p for p in change.added if abstract(p, words) in wanted)


def shared_files(c: Cluster) -> list[str]:
    """Files (without the name in their path) that most instances also modified."""
    counts: Counter[str] = Counter()
    for inst in c.instances:
        counts.update(set(inst.change.modified))
    need = max(2, math.ceil(EDIT_SHARE * c.support))
    return sorted(p for p, n in counts.items() if n >= need)


def anchor(key: Key) -> str:
    """The template a user thinks of as "the thing": source over tests and docs."""
    def rank(t: str) -> tuple[int, int]:
        low = t.lower()
        secondary = any(w in low for w in ("test", "spec", "doc", "changelog", "example", ".md",
                                           ".rst"))
        return (int(secondary), len(t))
    return min(key, key=rank)
