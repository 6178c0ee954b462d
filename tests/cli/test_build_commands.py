"""``mira build`` and ``mira fixes`` as a user runs them (a subprocess, real git repo)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import mira
from tests.support.gitrepo import GitRepo


def test_build_then_fixes(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("add ratio", {"ratio.py": "def ratio(a, b):\n    return a / b\n",
                              "test_ratio.py": "from ratio import ratio\n\n\ndef test_zero():\n"
                                               "    assert ratio(1, 0) == 0\n"})
    fix = repo.commit("Fix ZeroDivisionError in ratio when b is zero", {
        "ratio.py": "def ratio(a, b):\n    return a / b if b else 0\n"})
    repo.commit("readme", {"README.md": "x\n"})
    (repo.root / "ratio.py").write_text("def ratio(a, b):\n    return a / b\n")

    build = mira("build", "--json", "--", "python3", "-m", "pytest", "-q",
                 "-p", "no:cacheprovider", cwd=repo.root)
    assert build.returncode == 1, build.stderr
    [run] = [json.loads(line) for line in build.stdout.splitlines()]
    assert run["status"] == "failed"
    [error] = run["errors"]
    assert error["code"] == "ZeroDivisionError" and error["path"] == "ratio.py"

    out = mira("fixes", "--stdin", "--json", cwd=repo.root,
               stdin=build.stderr or error["message"])
    fixes = json.loads(out.stdout)["fixes"]
    assert fixes[0]["commit"] == fix and "if b else 0" in fixes[0]["hunk"]
    text = mira("fixes", "--error", error["message"], cwd=repo.root)
    assert fix[:10] in text.stdout and "Fix ZeroDivisionError" in text.stdout

    missing = mira("build", "--", "no-such-tool-abc", cwd=repo.root)
    assert missing.returncode == 2 and "command not found: no-such-tool-abc" in missing.stdout
    assert mira("fixes", cwd=repo.root).returncode == 2
