"""The code-intelligence commands (symbols, callers, callees, impact, concepts, patterns)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mira.core.code import indexer
from tests.support.cli import mira
from tests.support.code_repo import PACKAGE_ROOT_FILES, code_fixture, write_files
from tests.support.gitrepo import GitRepo


@pytest.fixture
def code_repo(tmp_path: Path) -> GitRepo:
    return code_fixture(tmp_path / "repo")


def answers(*args: str, cwd: Path, env: dict[str, str] | None = None
            ) -> list[dict]:  # type: ignore[type-arg]
    """``mira ARGS --json``: one object per line, after a successful run."""
    out = mira(*args, "--json", cwd=cwd, env=env)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_code_commands(code_repo: GitRepo) -> None:
    root = code_repo.root
    [symbols] = answers("symbols", "shop/store.py", cwd=root)
    assert [s["qualifiedName"] for s in symbols["symbols"]] == [
        "shop.store", "shop.store.Store", "shop.store.Store.save", "shop.store.Store.validate",
        "shop.store.write_row"]
    [callers] = answers("callers", "write_row", "--no-index", cwd=root)
    assert [(i["caller"]["qualifiedName"], i["line"]) for i in callers["items"]] == [
        ("shop.api.audit", 10), ("shop.store.Store.save", 6)]
    [callees] = answers("callees", "Store.save", "--no-index", cwd=root)
    assert [i["callee"]["qualifiedName"] for i in callees["items"]] == [
        "shop.store.Store.validate", "shop.store.write_row"]
    [impact] = answers("impact", "shop/store.py", "--line", "12", "--no-index", cwd=root)
    assert impact["symbol"]["qualifiedName"] == "shop.store.write_row"
    assert [(c["caller"]["qualifiedName"], c["depth"]) for c in impact["callers"]] == [
        ("shop.api.audit", 1), ("shop.store.Store.save", 1), ("shop.api.handle", 2)]
    [concepts] = answers("concepts", "database", "--no-index", cwd=root)
    assert concepts["items"][0]["qualifiedName"] == "shop.store.Store"
    [patterns] = answers("patterns", "--no-index", cwd=root)
    assert patterns == {"path": None, "items": []}


def test_bulk_index_uses_worker_processes(tmp_path: Path) -> None:
    """``python -m mira``: spawned workers import the main module without running it."""
    count = indexer.POOL_MIN_FILES + 6
    write_files(tmp_path, {f"pkg/m{i}.py": f"def f{i}():\n    return {i}\n"
                           for i in range(count)})
    env = {"MIRA_CODE_INDEX_WORKERS": "2"}
    answers("concepts", "f7", cwd=tmp_path, env=env)
    [status] = answers("symbols", "pkg/m3.py", "--no-index", cwd=tmp_path, env=env)
    assert [s["name"] for s in status["symbols"]] == ["m3", "f3"]


def test_callers_with_package_root_names(tmp_path: Path) -> None:
    write_files(tmp_path, PACKAGE_ROOT_FILES)
    [found] = answers("callers", "mira.core.chat.service.ChatService.chat", cwd=tmp_path)
    assert [i["caller"]["qualifiedName"] for i in found["items"]] == ["mira.cli.main"]


def test_guesses_are_off_by_default_and_marked(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "lib.py": "import functools\n\n\nclass Spline:\n    @functools.cache\n"
                  "    def reticulate(self):\n        pass\n",
        "app.py": "def main(thing):\n    thing.reticulate()\n"})

    def callers(*flags: str) -> list[dict]:  # type: ignore[type-arg]
        [found] = answers("callers", "Spline.reticulate", *flags, cwd=tmp_path)
        return list(found["items"])

    assert callers() == []  # `thing` is untyped: only a guess would connect them
    [item] = callers("--guesses")
    assert item["confidence"] == "name" and item["caller"]["qualifiedName"] == "app.main"
    # line: the `def` line (the decorator is inside the range, from startLine)
    assert (item["callee"]["line"], item["callee"]["startLine"]) == (6, 5)
