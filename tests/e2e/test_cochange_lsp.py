"""End to end over stdio: initialize -> index progress -> CodeLens -> mira/cochange -> live hint."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from mira.lsp.handlers.cochange import _lens_name
from mira.lsp.protocol import CochangeItem
from tests.support.gitrepo import GitRepo, cochange_fixture
from tests.support.lsp import config, initialize, request, wait_for, wait_indexed


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return cochange_fixture(tmp_path / "repo")


@pytest.fixture
def client_options() -> dict[str, Any]:
    return {"hintMinShared": 3, "hintThreshold": 0.5}


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
    assert top["lastChangedTogether"].startswith("20")
    assert top["reason"].startswith("changed together 5 times, last ")

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
    assert "(changed together 5 times, last " in message and "not modified yet" in message

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
    before = await request(client, "mira/cochange", {"textDocument": {"uri": api}})
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
    # one more commit of api.py alone: same shared commits, a smaller share of its history
    assert result["items"][0]["reason"].startswith("changed together 5 times")
    assert result["items"][0]["confidence"] < before["items"][0]["confidence"]


def evidence_fixture(root: Path) -> GitRepo:
    """src/widget.py has a test and an importer that history never paired with it."""
    repo = GitRepo(root)
    repo.commit("readme", {"README.md": "# r\n"})
    repo.commit("init", {"src/widget.py": "def make():\n    return 0\n",
                         "src/other.py": "o = 0\n"})
    for i in range(1, 4):
        repo.commit(f"widget {i}", {"src/widget.py": f"def make():\n    return {i}\n",
                                    "src/other.py": f"o = {i}\n"})
    repo.commit("tests", {"tests/test_widget.py": "def test_make():\n    assert True\n"})
    repo.commit("app", {"src/app.py": "from widget import make\n\n\ndef run():\n"
                                      "    return make()\n"})
    return repo


@pytest.fixture
def ev_repo(tmp_path: Path) -> GitRepo:
    return evidence_fixture(tmp_path / "ev")


@pytest_lsp.fixture(config=config())
async def ev_client(lsp_client: LanguageClient, ev_repo: GitRepo):  # type: ignore[no-untyped-def]
    await initialize(lsp_client, ev_repo.root, {})
    yield
    await lsp_client.shutdown_session()


async def test_reasons_name_the_evidence(ev_client: LanguageClient, ev_repo: GitRepo) -> None:
    """Hover, CodeLens and mira/cochange say which evidence applied: its test (by name),
    its importer (code index), shared history with counts and age."""
    lsp_client, repo = ev_client, ev_repo
    await wait_indexed(lsp_client)
    widget = uri(repo, "src/widget.py")

    async def reasons() -> dict[str, str]:
        result = await request(lsp_client, "mira/cochange",
                               {"textDocument": {"uri": widget}, "limit": 10})
        return {i["path"]: i["reason"] for i in result["items"]}

    by_path = await reasons()
    assert by_path["src/other.py"].startswith("changed together 4 times, last ")
    assert by_path["tests/test_widget.py"] == "its test"
    for _ in range(100):  # the code index runs after the git index
        by_path = await reasons()
        if "src/app.py" in by_path:
            break
        await asyncio.sleep(0.2)
    assert by_path["src/app.py"] == "imported by it"

    lenses = await lsp_client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(widget)))
    titles = [lens.command.title for lens in lenses
              if lens.command and lens.command.command == "mira.showCochange"]
    assert titles == ["Often changed with other.py, app.py (imported by it) (+1)"]

    hover = await lsp_client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(widget), types.Position(0, 4)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "**Often changed with:** `src/other.py` — changed together 4 times" in (
        hover.contents.value)


def test_lens_names_say_the_evidence_and_tell_same_named_files_apart() -> None:
    def item(path: str, reason: str) -> CochangeItem:
        return CochangeItem(path=path, uri="", confidence=0.5, shared_commits=1,
                            last_changed_together="", reason=reason)

    assert _lens_name(item("tests/test_x.py", "its test; changed together 3 times, last 1 day"
                           " ago"), "x.py") == "test_x.py (its test)"
    assert _lens_name(item("src/y.py", "changed together once, last 1 day ago"), "x.py") == "y.py"
    assert _lens_name(item("testing/python/fixtures.py", "changed together 9 times, last 1 day"
                           " ago"), "fixtures.py") == "python/fixtures.py"
