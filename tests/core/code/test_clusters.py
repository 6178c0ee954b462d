"""Domain clusters: directories merged by shared concepts or by changing together."""

from __future__ import annotations

from collections import Counter

from mira.core.code.clusters import cluster, directory_of


def test_directories_merge_by_concepts_or_cochange() -> None:
    concepts = {
        "auth": Counter({"login": 5, "password": 4, "token": 3, "user": 2}),
        "web/login": Counter({"login": 3, "password": 2, "token": 2, "user": 1}),
        "billing": Counter({"invoice": 4, "payment": 3}),
        "payments": Counter({"card": 4, "charge": 2}),
        "docs": Counter({"render": 2}),
    }
    files = {"auth": {"auth/a.py", "auth/b.py", "auth/c.py"}, "web/login": {"web/login/x.ts"},
             "billing": {"billing/i.py", "billing/j.py"}, "payments": {"payments/p.py"},
             "docs": {"docs/build.py"}}
    together = Counter({("billing", "payments"): 4, ("auth", "docs"): 1})
    changes = Counter({"billing": 6, "payments": 5, "auth": 9, "docs": 3})
    found = cluster(concepts, files, together, changes)
    assert [(c["name"], c["directories"], c["files"], c["reasons"]) for c in found] == [
        ("auth", ["auth", "web/login"], 4, ["shared concepts"]),
        ("billing", ["billing", "payments"], 3, ["changed together"]),
        ("docs", ["docs"], 1, []),
    ]
    assert found[0]["concepts"][:3] == ["login", "password", "token"]
    assert directory_of("a/b/c/d.py") == "a/b" and directory_of("top.py") == "."
