"""``mira recipes`` and ``mira scaffold``: recipes mined from a history built in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import recipe_repo
from tests.support.cli import mira
from tests.support.gitrepo import GitRepo


@pytest.fixture
def recipes_repo(tmp_path: Path) -> GitRepo:
    return recipe_repo.build(tmp_path / "repo")


def test_recipes_and_scaffold_json(recipes_repo: GitRepo) -> None:
    root = recipes_repo.root
    out = mira("recipes", "--json", cwd=root)
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    item = next(r for r in listed if "src/app/handlers/{{snake}}.py" in r["files"])
    assert set(item) >= {"id", "title", "files", "support", "lastUsed", "examples"}
    assert item["support"] == 4 and item["examples"][0]["commit"]
    out = mira("scaffold", item["id"], "payment_method", "--json", cwd=root)
    assert out.returncode == 0, out.stderr
    changes = json.loads(out.stdout)["changes"]
    kinds = {c["path"]: c["kind"] for c in changes}
    assert kinds == {"src/app/handlers/payment_method.py": "create",
                     "tests/test_payment_method.py": "create",
                     "src/app/handlers/__init__.py": "edit"}
    edit = next(c for c in changes if c["kind"] == "edit")["edits"][0]
    assert edit["newText"] == "from .payment_method import PaymentMethodHandler\n"
    assert "PaymentMethodHandler" in next(c for c in changes if c["kind"] == "create")["content"]
    assert not (root / "tests/test_payment_method.py").exists()
    human = mira("scaffold", item["id"], "payment_method", cwd=root)
    assert "create src/app/handlers/payment_method.py" in human.stdout
    bad = mira("scaffold", "no-such-recipe", "x", cwd=root)
    assert bad.returncode == 2 and "no recipe" in bad.stderr


def test_recipes_for_a_person(recipes_repo: GitRepo, tmp_path: Path) -> None:
    out = mira("recipes", cwd=recipes_repo.root)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if "New handler (py)" in line)
    assert "(4 commits, last " in lines[head] and " — " in lines[head]
    assert lines[head + 1:head + 4] == ["    src/app/handlers/{{snake}}.py",
                                        "    tests/test_{{snake}}.py",
                                        "    src/app/handlers/__init__.py"]
    assert lines[head + 4].startswith("    e.g. ")
    history = mira("recipes", "--history", lines[head].split()[0], cwd=recipes_repo.root)
    assert history.returncode == 0, history.stderr
    assert history.stdout.startswith("v1 [")
    empty = GitRepo(tmp_path / "empty")
    empty.commit("one", {"a.py": "x = 1\n"})
    none = mira("recipes", cwd=empty.root)
    assert none.stdout == "(no recipe: no change shape recurs often enough in this history)\n"
