"""End to end over stdio: initialize -> index progress -> CodeLens -> mira/cochange -> live hint."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.support.gitrepo import GitRepo, cochange_fixture
from tests.support.lsp import config, initialize, request, wait_for, wait_indexed


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return cochange_fixture(tmp_path / "repo")


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient, repo: GitRepo):  # type: ignore[no-untyped-def]
    await initialize(lsp_client, repo.root, {"hintMinShared": 3, "hintThreshold": 0.5})
    yield
    await lsp_client.shutdown_session()


def uri(repo: GitRepo, path: str) -> str:
    return (repo.root / path).as_uri()


def hint_messages(client: LanguageClient, file_uri: str) -> list[str]:
    return [d.message for d in client.diagnostics.get(file_uri, []) if d.code == "cochange"]


async def test_index_progress_lens_and_cochange(client: LanguageClient, repo: GitRepo) -> None:
    status = await wait_indexed(client)
    [ws] = status["workspaces"]
    assert ws["repositories"][0]["commitsIndexed"] == 7
    assert ws["repositories"][0]["lastIndexedHead"] == repo.head()
    await wait_for(lambda: any(
        r and getattr(r[-1], "kind", None) == "end" and "git history" in r[0].title
        for r in client.progress_reports.values()))
    [reports] = [r for r in client.progress_reports.values()
                 if r and getattr(r[0], "title", "") == "Mira: indexing git history"]
    assert reports[0].kind == "begin" and reports[-1].kind == "end"

    result = await request(client, "mira/cochange",
                           {"textDocument": {"uri": uri(repo, "api.py")}, "limit": 5})
    assert result["path"] == "api.py"
    assert [(i["path"], i["sharedCommits"]) for i in result["items"]] == [
        ("client.py", 5), ("docs.md", 2), ("models.py", 1)]
    top = result["items"][0]
    assert 0.5 < top["confidence"] <= 1 and top["uri"] == uri(repo, "client.py")
    assert top["lastChangedTogether"].startswith("20") and "5 of the 6" in top["reason"]

    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri(repo, "api.py"))))
    cochange_lenses = [lens for lens in lenses
                       if lens.command and lens.command.command == "mira.showCochange"]
    assert [lens.command.title for lens in cochange_lenses if lens.command] == [
        "Often changed with client.py, docs.md (+1)"]
    assert cochange_lenses[0].range.start.line == 0

    outside = await request(client, "mira/cochange",
                            {"textDocument": {"uri": "file:///nowhere/x.py"}})
    assert outside["items"] == []


async def test_live_hint_appears_and_disappears(client: LanguageClient, repo: GitRepo) -> None:
    await wait_indexed(client)
    api, cli = uri(repo, "api.py"), uri(repo, "client.py")
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(api, "python", 1, (repo.root / "api.py").read_text())))
    # the server answers an open with the document's hints (an empty publish when none)
    await wait_for(lambda: api in client.diagnostics)
    assert hint_messages(client, api) == []  # unmodified: no hint

    # an unsaved edit makes api.py modified; its strong partner client.py is not
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=2, uri=api),
        [types.TextDocumentContentChangeWholeDocument("v = 6\n")]))
    [message] = await wait_for(lambda: hint_messages(client, api))
    assert message.startswith("usually changed together with `client.py`")
    assert "5 commits" in message and "not modified yet" in message

    [diagnostic] = [d for d in client.diagnostics[api] if d.code == "cochange"]
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(api), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    [action] = actions
    assert action.title == "Open client.py (usually changed together)"
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=action.command.command, arguments=action.command.arguments))
    assert [d.uri for d in client.shown_documents] == [cli]

    # modifying the partner (on disk, as a save would) makes the hint go away
    (repo.root / "client.py").write_text("c = 6\n")
    await wait_for(lambda: not hint_messages(client, api))

    # and committing everything leaves nothing modified: still no hint
    (repo.root / "api.py").write_text("v = 6\n")
    repo.commit("both", {"api.py": "v = 6\n", "client.py": "c = 6\n"})
    await wait_for(lambda: not hint_messages(client, api))
    assert client.code_lens_refreshes > 0  # type: ignore[attr-defined]


async def test_hint_clears_when_the_change_is_committed(client: LanguageClient,
                                                        repo: GitRepo) -> None:
    await wait_indexed(client)
    api = uri(repo, "api.py")
    (repo.root / "api.py").write_text("v = 7\n")
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(api, "python", 1, "v = 7\n")))
    await wait_for(lambda: hint_messages(client, api))
    head_before = repo.head()
    repo.commit("api only", {"api.py": "v = 7\n"})
    await wait_for(lambda: not hint_messages(client, api))

    async def indexed_new_head() -> bool:
        status = await request(client, "mira/status", {})
        return bool(status["workspaces"][0]["repositories"][0]["lastIndexedHead"] != head_before)

    for _ in range(100):
        if await indexed_new_head():
            break
        await asyncio.sleep(0.05)
    result = await request(client, "mira/cochange", {"textDocument": {"uri": api}})
    assert result["items"][0]["path"] == "client.py"
    assert "of the 7 commits" in result["items"][0]["reason"]
