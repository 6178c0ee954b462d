from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo, cochange_fixture


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


@pytest.fixture
def cochange_repo(tmp_path: Path) -> GitRepo:
    return cochange_fixture(tmp_path / "repo")
