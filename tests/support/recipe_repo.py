"""A repository whose history adds handlers the same way several times (for recipe tests)."""

from __future__ import annotations

from pathlib import Path

from tests.support.gitrepo import GitRepo

NAMES = ["user_profile", "billing", "search_index", "audit_log"]


def pascal(name: str) -> str:
    return "".join(w.capitalize() for w in name.split("_"))


def handler(name: str) -> str:
    return (f'"""The {name.replace("_", " ")} handler."""\n\nfrom app.base import Handler\n\n\n'
            f"class {pascal(name)}Handler(Handler):\n    route = \"/{name.replace('_', '-')}\"\n\n"
            f"    def get(self, request):\n        return self.render(\"{name}\")\n")


def test_file(name: str) -> str:
    return (f"from app.handlers.{name} import {pascal(name)}Handler\n\n\n"
            f"def test_{name}_renders():\n    assert {pascal(name)}Handler().get(None)\n")


def registry(names: list[str]) -> str:
    lines = [f"from .{n} import {pascal(n)}Handler\n" for n in sorted(names)]
    return '"""Every handler, registered."""\n\n' + "".join(lines) + "\nALL = []\n"


def build(root: Path, names: list[str] | None = None) -> GitRepo:
    names = NAMES if names is None else names
    repo = GitRepo(root)
    repo.commit("base", {"src/app/base.py": "class Handler:\n    pass\n",
                         "src/app/handlers/__init__.py": registry([]),
                         "README.md": "# app\n"})
    done: list[str] = []
    for i, name in enumerate(names):
        done.append(name)
        repo.commit(f"Add the {name} handler", {
            f"src/app/handlers/{name}.py": handler(name),
            f"tests/test_{name}.py": test_file(name),
            "src/app/handlers/__init__.py": registry(done)})
        repo.commit(f"tweak readme {i}", {"README.md": f"# app\n\nversion {i}\n"})
    repo.commit("secret", {"config/secrets.env": "TOKEN=hunter2\n"})
    return repo
