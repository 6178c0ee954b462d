"""``mira reasoning`` and ``mira profile``: what Mira learned, for a person and for scripts."""

from __future__ import annotations

import json

from tests.support.cli import mira
from tests.support.gitrepo import GitRepo


def test_reasoning_and_profile_lists(git_repo: GitRepo) -> None:
    git_repo.commit("one", {"a.py": "x = 1\n"})
    root = git_repo.root
    assert mira("reasoning", "list", "--json", cwd=root).stdout == "[]\n"
    assert mira("reasoning", "list", cwd=root).stdout == (
        "(no reasoning pattern yet: they come from chats that went well, and recipes)\n")
    assert mira("profile", cwd=root).stdout == "(nothing learned about you yet)\n"
    out = mira("profile", "set", "preference", "tabs over spaces", cwd=root)
    assert out.returncode == 0, out.stderr
    key = out.stdout.split(" = ")[0]
    assert mira("profile", cwd=root).stdout == (
        f"{key}\n    tabs over spaces — confidence 1.00 (set by you)\n")
    [fact] = json.loads(mira("profile", "--json", cwd=root).stdout)
    assert (fact["key"], fact["value"], fact["source"]) == (key, "tabs over spaces", "user")
