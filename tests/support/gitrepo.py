"""Building real git repositories for tests, in tmp_path, with the git binary."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

AUTHORS = {
    "alice": ("Alice Liddell", "alice@example.com"),
    "bob": ("Bob Builder", "bob@example.com"),
    "carol": ("Carol Danvers", "carol@example.com"),
}


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = 1_700_000_000
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "commit.gpgsign", "false")
        self.git("config", "user.name", "Test Runner")
        self.git("config", "user.email", "runner@example.com")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(self.root.parent),
                    **(env or {})}
        return subprocess.run(["git", "-C", str(self.root), *args], check=True,
                              capture_output=True, text=True, env=full_env).stdout

    def write(self, path: str, content: str | bytes) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return target

    def commit(self, message: str, files: dict[str, str | bytes | None], *,
               author: str = "alice", days_later: float = 1.0) -> str:
        """Write (or delete, for None) files and commit them; returns the new HEAD."""
        for path, content in files.items():
            if content is None:
                self.git("rm", "-q", path)
            else:
                self.write(path, content)
                self.git("add", "--", path)
        self.clock += int(days_later * 86_400)
        if author in AUTHORS:
            name, email = AUTHORS[author]
        elif author.endswith(">") and " <" in author:  # "Full Name <email>"
            name, _, email = author[:-1].partition(" <")
        elif "@" in author:
            name, email = author.split("@")[0], author
        else:
            name, email = author, f"{author}@example.com"
        date = f"{self.clock} +0000"
        self.git("commit", "-q", "--allow-empty", "-m", message, env={
            "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": date})
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()


def cochange_fixture(root: Path) -> GitRepo:
    """A small history with known co-change: api.py <-> client.py (4 of 5 commits),
    api.py <-> docs.md (1), models.py alone."""
    repo = GitRepo(root)
    repo.commit("init", {"api.py": "v = 0\n", "client.py": "c = 0\n", "models.py": "m = 0\n",
                         "docs.md": "# docs\n"})
    for i in range(1, 5):
        repo.commit(f"change api {i}", {"api.py": f"v = {i}\n", "client.py": f"c = {i}\n"})
    repo.commit("api docs", {"api.py": "v = 5\n", "docs.md": "# docs 5\n"})
    repo.commit("models", {"models.py": "m = 1\n"}, author="bob")
    return repo
