from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.context_repo import context_fixture
from tests.support.gitrepo import GitRepo


@pytest.fixture
def context_repo(tmp_path: Path) -> GitRepo:
    return context_fixture(tmp_path / "repo")


@pytest.fixture
def repo(context_repo: GitRepo) -> GitRepo:
    return context_repo
