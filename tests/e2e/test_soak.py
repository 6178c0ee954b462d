"""Soak: the real server over stdio on a replayed real history, embeddings on.

Git index, code index, search index and embeddings overlap while an editor keeps sending
requests. Every request is answered throughout; afterwards every phase is done (none
failed), code symbols are present, and ``mira/chat`` (no model configured) answered while
embeddings were running. Behaviour, not timings: the timeouts are generous.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.support.lsp import config, initialize, request
from tests.support.replay import replay

COMMITS = 150
PACKAGE = {
    "shop/__init__.py": "",
    "shop/cart.py": (
        '"""A shopping cart."""\n\n\nclass Cart:\n    def __init__(self) -> None:\n'
        "        self.items: list[str] = []\n\n    def add(self, item: str) -> None:\n"
        "        self.items.append(item)\n\n    def total(self) -> int:\n"
        "        return len(self.items)\n"),
    "shop/checkout.py": (
        "from shop.cart import Cart\n\n\ndef checkout(cart: Cart) -> int:\n"
        "    cart.add('receipt')\n    return cart.total()\n"),
}


@pytest.fixture(scope="module")
def soak_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import subprocess
    import sys

    from tests.support.replay import shared_dir

    repo = tmp_path_factory.mktemp("soak") / "flask"
    shared = shared_dir()
    history = shared / "data" / "histories" / "flask.tsv.gz"
    if not history.exists():
        replay("flask", repo)  # skips with the reason
    subprocess.run([sys.executable, str(shared / "tools" / "replay_history.py"), str(history),
                    str(repo), "--limit", str(COMMITS)], check=True, capture_output=True)
    for rel, text in PACKAGE.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e",
                    "commit", "-qm", "add the shop package"], check=True)
    return repo


@pytest_lsp.fixture(config=config(MIRA_SEMANTIC_ENABLED="true"))
async def client(lsp_client: LanguageClient, soak_repo: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    await initialize(lsp_client, soak_repo, {"dataDir": str(tmp_path / "data")})
    yield
    await lsp_client.shutdown_session()


def _phases(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for ws in status["workspaces"] for p in ws.get("phases", [])}


@pytest.mark.slow
async def test_requests_are_answered_while_everything_indexes(
        client: LanguageClient, soak_repo: Path) -> None:
    uri = (soak_repo / "shop" / "checkout.py").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id="python", version=1,
        text=(soak_repo / "shop" / "checkout.py").read_text())))
    doc = {"uri": uri}
    seen_states: set[tuple[str, str]] = set()
    chat_during: list[str] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 900
    rounds = 0
    while True:
        rounds += 1
        # an editor's usual traffic; each must be answered (wait_for raises otherwise)
        ident = types.TextDocumentIdentifier(uri=uri)
        await asyncio.wait_for(client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=ident)), 60)
        await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
            text_document=ident, position=types.Position(line=3, character=5))), 60)
        await asyncio.wait_for(request(client, "mira/cochange", {"textDocument": doc}), 60)
        await asyncio.wait_for(client.workspace_symbol_async(
            types.WorkspaceSymbolParams(query="Cart")), 60)
        await asyncio.wait_for(request(client, "mira/search", {"query": "cart total"}), 60)
        status = await asyncio.wait_for(request(client, "mira/status", {}), 60)
        phases = _phases(status)
        seen_states |= {(name, p["state"]) for name, p in phases.items()}
        assert not [p for p in phases.values() if p["state"] == "failed"], phases
        embedding = any(phases.get(n, {}).get("state") == "running"
                        for n in ("code_embeddings", "commit_embeddings"))
        if embedding and not chat_during:
            try:  # no model configured: an answer (or a clear error), never a hang
                answer = await asyncio.wait_for(request(client, "mira/chat", {
                    "message": "Where is the cart total computed?"}), 60)
                chat_during.append(str(answer.get("state")))
            except TimeoutError:
                raise
            except Exception as exc:  # a JSON-RPC error is an answer too
                chat_during.append(f"error: {exc}")
        if phases and all(p["state"] in ("done", "off") for p in phases.values()):
            break
        assert loop.time() < deadline, f"not done in time: {phases}"
        await asyncio.sleep(0.2)

    assert rounds > 3  # requests really were answered while the phases ran
    assert chat_during, f"chat was never tried while embedding: {seen_states}"
    assert ("code_embeddings", "running") in seen_states
    final = _phases(await request(client, "mira/status", {}))
    assert final["git"]["state"] == final["code"]["state"] == "done"
    assert final["commit_embeddings"]["state"] == "done"
    symbols = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="Cart"))
    assert any(s.name == "Cart" for s in symbols or [])
    found = await request(client, "mira/search", {"query": "cart total"})
    assert found["items"]
    repos = (await request(client, "mira/status", {}))["workspaces"][0]["repositories"]
    assert repos[0]["commitsIndexed"] == COMMITS + 1
    assert not [m for m in client.messages if "failed" in m.message]  # nothing was shown
