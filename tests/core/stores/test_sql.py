"""IN lists in parts: every value asked once, whatever the number of values."""

from __future__ import annotations

import sqlite3

from mira.core.stores.sql import IN_LIST, in_lists


def test_in_lists_cover_every_value_in_bounded_parts() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(3 * IN_LIST)])
    wanted = [*range(0, 3 * IN_LIST, 2), 10**9]  # 751 values, one not stored
    found: list[int] = []
    parts = 0
    for part, marks in in_lists(wanted):
        assert len(part) <= IN_LIST and marks.count("?") == len(part)
        found += [r[0] for r in conn.execute(f"SELECT id FROM t WHERE id IN ({marks})", part)]
        parts += 1
    assert sorted(found) == wanted[:-1] and parts == 2
    assert list(in_lists([])) == []
    assert [p for p, _ in in_lists("abc", 2)] == [["a", "b"], ["c"]]
