from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mira.core.workspace import Workspace
from tests.support.context_repo import context_fixture
from tests.support.gitrepo import GitRepo


@pytest.fixture
def context_repo(tmp_path: Path) -> GitRepo:
    return context_fixture(tmp_path / "repo")


@pytest.fixture
async def workspace(context_repo: GitRepo) -> AsyncIterator[Workspace]:
    ws = Workspace(context_repo.root)
    ws.open()
    ws.index_git()
    yield ws
    await ws.close()
