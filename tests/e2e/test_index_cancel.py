"""Cancelling the initial index from the client's progress UI, then resuming it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.support.lsp import config, initialize, request, wait_for, wait_indexed

SHARED = Path(__file__).resolve().parents[3] / "shared"
HISTORY = SHARED / "data" / "histories" / "flask.tsv.gz"


@pytest.fixture(scope="module")
def flask_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not HISTORY.exists():
        pytest.skip("shared histories are not available")
    repo = tmp_path_factory.mktemp("replay") / "flask"
    subprocess.run([sys.executable, str(SHARED / "tools" / "replay_history.py"), str(HISTORY),
                    str(repo)], check=True, capture_output=True)
    return repo


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient, flask_repo: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    await initialize(lsp_client, flask_repo, {"dataDir": str(tmp_path / "data")})
    yield
    await lsp_client.shutdown_session()


@pytest.mark.slow
async def test_cancel_then_reindex(client: LanguageClient) -> None:
    def git_token() -> object:  # code intelligence reports its own progress alongside
        return next((t for t, reports in client.progress_reports.items() if reports
                     and getattr(reports[0], "title", "") == "Mira: indexing git history"),
                    None)

    token = await wait_for(git_token)
    await wait_for(lambda: len(client.progress_reports[token]) >= 2)  # begin + first report
    client.protocol.notify(types.WINDOW_WORK_DONE_PROGRESS_CANCEL,
                           types.WorkDoneProgressCancelParams(token=token))
    end = await wait_for(lambda: next((r for r in client.progress_reports[token]
                                       if r.kind == "end"), None), timeout=30)
    assert end.message == "cancelled"
    status = await request(client, "mira/status", {})
    [repo] = status["workspaces"][0]["repositories"]
    assert repo["state"] == "indexing" and 0 < repo["commitsIndexed"] < 3805

    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="mira.reindex", arguments=[]))
    status = await wait_indexed(client, timeout=60)
    assert status["workspaces"][0]["repositories"][0]["commitsIndexed"] == 3805
