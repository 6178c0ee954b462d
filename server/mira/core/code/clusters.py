"""Domain clusters: directories grouped when their concepts overlap or they change together.

Pure: the service gathers each directory's concept counts (from the concept index) and how
often directories changed in the same commits (from the git index).
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from typing import Any

CONCEPT_OVERLAP = 0.5  # Jaccard of two directories' top concepts
COCHANGE_SHARE = 0.5  # commits touching both / commits touching the less active one
COCHANGE_MIN = 3  # ... and at least this many commits together
TOP_CONCEPTS = 8


def directory_of(path: str, depth: int = 2) -> str:
    return "/".join(path.split("/")[:-1][:depth]) or "."


def cluster(concepts: dict[str, Counter[str]], files: dict[str, set[str]],
            together: Counter[tuple[str, str]] | None = None,
            changes: Counter[str] | None = None, limit: int = 12) -> list[dict[str, Any]]:
    together = together or Counter()
    changes = changes or Counter()
    parent = {key: key for key in concepts}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    reasons: dict[str, set[str]] = {key: set() for key in concepts}

    def union(a: str, b: str, reason: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
            reasons[ra] |= reasons[rb] | {reason}

    tops = {k: {w for w, _ in c.most_common(TOP_CONCEPTS)} for k, c in concepts.items()}
    for a, b in combinations(sorted(concepts), 2):
        if tops[a] and tops[b] and \
                len(tops[a] & tops[b]) / len(tops[a] | tops[b]) >= CONCEPT_OVERLAP:
            union(a, b, "shared concepts")
    for (a, b), n in together.items():
        if a in parent and b in parent and n >= COCHANGE_MIN and \
                n / max(1, min(changes[a], changes[b])) >= COCHANGE_SHARE:
            union(a, b, "changed together")
    members: dict[str, list[str]] = {}
    for key in concepts:
        members.setdefault(find(key), []).append(key)
    out: list[dict[str, Any]] = []
    sizes: dict[str, int] = {}
    for root, keys in members.items():
        keys.sort(key=lambda k: (-len(files.get(k, ())), k))
        counts: Counter[str] = Counter()
        for k in keys:
            counts.update(concepts[k])
        sizes[keys[0]] = sum(len(files.get(k, ())) for k in keys)
        out.append({"name": keys[0], "directories": keys, "files": sizes[keys[0]],
                    "concepts": [w for w, _ in counts.most_common(6)],
                    "reasons": sorted(reasons[find(root)])})
    out.sort(key=lambda c: (-sizes[c["name"]], c["name"]))
    return out[:limit]
