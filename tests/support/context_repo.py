"""A fixture repository for the Context Oracle: guidelines, known co-change, a past fix."""

from __future__ import annotations

from pathlib import Path

from tests.support.gitrepo import GitRepo

CONFIG_V1 = """def parse_config(values):
    return values["name"]
"""
CONFIG_V2 = """def parse_config(values):
    if "name" not in values:
        return None
    return values["name"]
"""


def context_fixture(root: Path) -> GitRepo:
    """api.py <-> client.py co-change (5 commits), a KeyError fix in config.py, AGENTS.md,
    and a secret .env that must never appear in a prompt."""
    repo = GitRepo(root)
    repo.commit("init", {
        "AGENTS.md": "# Agent guide\n\nRun `pytest -q` before committing. Use type hints.\n",
        "api.py": "def handler(request):\n    return request\n",
        "client.py": "from api import handler\n\ndef call():\n    return handler(1)\n",
        "config.py": CONFIG_V1,
        "models.py": "class User:\n    pass\n",
        ".gitignore": ".env\n",
    })
    for i in range(1, 5):
        repo.commit(f"api change {i}", {"api.py": f"def handler(request):\n    return {i}\n",
                                        "client.py": f"from api import handler\n\n"
                                                     f"def call():\n    return handler({i})\n"})
    repo.commit("Fix KeyError in parse_config when the name is missing",
                {"config.py": CONFIG_V2}, author="bob")
    repo.commit("models", {"models.py": "class User:\n    name = ''\n"}, author="carol")
    (root / ".env").write_text("API_TOKEN=sk-secret-value-123\n", encoding="utf-8")
    return repo
