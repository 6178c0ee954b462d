"""Code intelligence end to end over stdio on a Python + TypeScript + Go repository:
documentSymbol, workspace/symbol, call hierarchy, mira/impact, mira/concepts,
mira/patterns, and files that must not break the index."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.support.code_repo import code_fixture
from tests.support.gitrepo import GitRepo
from tests.support.lsp import request as mira_request
from tests.support.lsp import wait_indexed

PARAMS = {
    "textDocument/documentSymbol": types.DocumentSymbolParams,
    "workspace/symbol": types.WorkspaceSymbolParams,
    "textDocument/prepareCallHierarchy": types.CallHierarchyPrepareParams,
    "callHierarchy/incomingCalls": types.CallHierarchyIncomingCallsParams,
    "callHierarchy/outgoingCalls": types.CallHierarchyOutgoingCallsParams,
}


async def request(client: LanguageClient, method: str, params: dict[str, Any]) -> Any:
    """Any request with JSON params and a JSON result (standard ones typed on the wire)."""
    if method not in PARAMS:
        return await mira_request(client, method, params)
    converter = client.protocol._converter
    result = await client.protocol.send_request_async(
        method, converter.structure(params, PARAMS[method]))
    return converter.unstructure(result)

LATIN1 = "# caf\xe9\ndef cafe():\n    return 'cr\xe8me'\n".encode("latin-1")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = code_fixture(tmp_path / "repo")
    # files that must not break the index
    repo.write("bad/broken.py", "def ok():\n    return 1\n\n\ndef broken(:\n    pass\n")
    repo.write("bad/huge.py", "x = 1\n" * 2000)  # over the 4 kB limit set below
    repo.write("bad/latin1.py", LATIN1)
    repo.write("bad/blob.py", b"\0\1\2binary\0" * 50)
    (repo.root / "bad/loop.py").symlink_to("loop.py")
    (repo.root / "bad/again").symlink_to("..")
    return repo


@pytest.fixture
def client_options() -> dict[str, Any]:
    return {"codeMaxFileBytes": 4000}


def uri(repo: GitRepo, path: str) -> str:
    return (repo.root / path).as_uri()


def rng(sl: int, sc: int, el: int, ec: int) -> dict[str, Any]:
    return {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}}


async def code_status(client: LanguageClient, repo: GitRepo) -> dict[str, Any]:
    for _ in range(300):
        status = await request(client, "mira/status", {})
        code = status.get("extra", {}).get("code", {}).get(str(repo.root.resolve()))
        if code and code["files"] >= 8:
            return dict(code)
        await asyncio.sleep(0.1)
    raise AssertionError("the code index did not fill")


def outline(symbols: list[dict[str, Any]]) -> list[Any]:
    return [(s["name"], s["kind"], [c["name"] for c in s.get("children") or []])
            for s in symbols]


async def test_document_and_workspace_symbols(client: LanguageClient, repo: GitRepo) -> None:
    await code_status(client, repo)
    symbols = await request(client, "textDocument/documentSymbol",
                            {"textDocument": {"uri": uri(repo, "shop/store.py")}})
    assert outline(symbols) == [("Store", 5, ["save", "validate"]), ("write_row", 12, [])]
    store, write_row = symbols
    assert store["range"] == rng(0, 0, 8, 26) and store["selectionRange"] == rng(0, 6, 0, 11)
    assert store["children"][0]["kind"] == 6 and store["children"][0]["detail"] == \
        "def save(self, order)"
    assert write_row["range"] == rng(11, 0, 12, 14)

    ts = await request(client, "textDocument/documentSymbol",
                       {"textDocument": {"uri": uri(repo, "web/orders.ts")}})
    assert outline(ts) == [("OrderService", 5, ["place", "check"]), ("handleOrder", 12, [])]
    go = await request(client, "textDocument/documentSymbol",
                       {"textDocument": {"uri": uri(repo, "cmd/main.go")}})
    assert [(s["name"], s["kind"]) for s in go] == [("Cart", 23), ("Add", 6), ("helper", 12),
                                                     ("main", 12)]

    found = await request(client, "workspace/symbol", {"query": "handle"})
    assert [(s["name"], s["location"]["uri"]) for s in found] == [
        ("handle", uri(repo, "shop/api.py")), ("handleOrder", uri(repo, "web/orders.ts"))]
    fuzzy = await request(client, "workspace/symbol", {"query": "wrrow"})
    assert [s["name"] for s in fuzzy] == ["write_row"]
    assert fuzzy[0]["location"]["range"] == rng(11, 4, 11, 13)


async def test_call_hierarchy(client: LanguageClient, repo: GitRepo) -> None:
    await code_status(client, repo)
    [item] = await request(client, "textDocument/prepareCallHierarchy", {
        "textDocument": {"uri": uri(repo, "shop/store.py")},
        "position": {"line": 11, "character": 6}})
    assert item["name"] == "write_row" and item["detail"] == "shop.store.write_row"
    incoming = await request(client, "callHierarchy/incomingCalls", {"item": item})
    assert [(c["from"]["detail"], c["fromRanges"]) for c in incoming] == [
        ("shop.api.audit", [rng(9, 11, 9, 20)]),
        ("shop.store.Store.save", [rng(5, 15, 5, 24)])]

    [save] = await request(client, "textDocument/prepareCallHierarchy", {
        "textDocument": {"uri": uri(repo, "shop/store.py")},
        "position": {"line": 4, "character": 8}})  # inside save()
    outgoing = await request(client, "callHierarchy/outgoingCalls", {"item": save})
    assert [(c["to"]["detail"], c["fromRanges"]) for c in outgoing] == [
        ("shop.store.Store.validate", [rng(4, 13, 4, 21)]),
        ("shop.store.write_row", [rng(5, 15, 5, 24)])]

    # TypeScript across files: an imported function, `new`, `this.` and a typed local
    [handle] = await request(client, "textDocument/prepareCallHierarchy", {
        "textDocument": {"uri": uri(repo, "web/orders.ts")},
        "position": {"line": 10, "character": 20}})
    assert handle["detail"] == "web.orders.handleOrder"
    callers = await request(client, "callHierarchy/incomingCalls", {"item": handle})
    assert [(c["from"]["detail"], c["from"]["uri"]) for c in callers] == [
        ("web.web.submit", uri(repo, "web/web.ts"))]
    callees = await request(client, "callHierarchy/outgoingCalls", {"item": handle})
    assert [c["to"]["detail"] for c in callees] == [
        "web.orders.OrderService", "web.orders.OrderService.place"]

    # Go: a method calling a function
    [add] = await request(client, "textDocument/prepareCallHierarchy", {
        "textDocument": {"uri": uri(repo, "cmd/main.go")},
        "position": {"line": 6, "character": 16}})
    assert add["detail"] == "cmd.main.Cart.Add"
    go_out = await request(client, "callHierarchy/outgoingCalls", {"item": add})
    assert [c["to"]["detail"] for c in go_out] == ["cmd.main.helper"]


async def test_impact_concepts_patterns(client: LanguageClient, repo: GitRepo) -> None:
    await wait_indexed(client)
    await code_status(client, repo)
    result = await request(client, "mira/impact", {
        "textDocument": {"uri": uri(repo, "shop/store.py")},
        "position": {"line": 11, "character": 4}, "depth": 3})
    assert result["symbol"]["qualifiedName"] == "shop.store.write_row"
    assert [(c["symbol"]["qualifiedName"], c["depth"], c["confidence"])
            for c in result["callers"]] == [
        ("shop.api.audit", 1, "resolved"), ("shop.store.Store.save", 1, "resolved"),
        ("shop.api.handle", 2, "resolved")]
    assert result["callers"][2]["callSite"] == {"uri": uri(repo, "shop/api.py"),
                                                "range": rng(5, 17, 5, 21)}
    assert result["cochanged"][0]["path"] == "shop/api.py"  # 4 of 4 commits together

    concepts = await request(client, "mira/concepts", {"query": "databases", "limit": 3})
    assert [i["qualifiedName"] for i in concepts["items"]] == ["shop.store.Store"]
    orders = await request(client, "mira/concepts", {"query": "order", "limit": 50})
    assert {"web.orders.OrderService", "web.orders.handleOrder"} <= {
        i["qualifiedName"] for i in orders["items"]}
    patterns = await request(client, "mira/patterns", {})
    assert patterns == {"items": []}  # nothing in this repository is a design pattern


async def test_bad_files_do_not_break_the_index(client: LanguageClient, repo: GitRepo) -> None:
    code = await code_status(client, repo)
    # the looping symlink never reaches the index: the gate lists no such file
    assert code["skipped"] == {"binary": 1, "too_large": 1}
    assert code["tooLarge"] == ["bad/huge.py"] and "codeMaxFileBytes" in code["message"]
    broken = await request(client, "textDocument/documentSymbol",
                           {"textDocument": {"uri": uri(repo, "bad/broken.py")}})
    assert "ok" in [s["name"] for s in broken]
    latin = await request(client, "textDocument/documentSymbol",
                          {"textDocument": {"uri": uri(repo, "bad/latin1.py")}})
    assert [s["name"] for s in latin] == ["cafe"]
    assert await request(client, "textDocument/documentSymbol",
                         {"textDocument": {"uri": uri(repo, "bad/huge.py")}}) == []


async def test_edits_and_disk_changes(client: LanguageClient, repo: GitRepo) -> None:
    await code_status(client, repo)
    doc = uri(repo, "web/web.ts")
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=doc, language_id="typescript", version=1,
                               text=(repo.root / "web/web.ts").read_text())))
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=2, uri=doc),
        [types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(5, 0), types.Position(5, 0)),
            text="\nexport function cancel(order: string): void {\n  submit(order);\n}\n")]))
    symbols = await request(client, "textDocument/documentSymbol", {"textDocument": {"uri": doc}})
    assert [(s["name"], s["range"]["start"]["line"]) for s in symbols] == [
        ("submit", 2), ("cancel", 6)]

    repo.write("shop/refunds.py", "from shop.store import write_row\n\n\n"
                                  "def refund(order):\n    return write_row(order)\n")
    for _ in range(200):
        found = await request(client, "workspace/symbol", {"query": "refund"})
        if found:
            break
        await asyncio.sleep(0.1)
    assert [s["name"] for s in found] == ["refund"]
    [item] = await request(client, "textDocument/prepareCallHierarchy", {
        "textDocument": {"uri": uri(repo, "shop/store.py")},
        "position": {"line": 11, "character": 6}})
    incoming = await request(client, "callHierarchy/incomingCalls", {"item": item})
    assert "shop.refunds.refund" in [c["from"]["detail"] for c in incoming]


async def test_patterns_with_evidence(client: LanguageClient, repo: GitRepo) -> None:
    await code_status(client, repo)
    repo.write("shop/events.py", "class EventBus:\n    def __init__(self):\n"
                                 "        self.listeners = []\n\n"
                                 "    def subscribe(self, listener):\n"
                                 "        self.listeners.append(listener)\n\n"
                                 "    def publish(self, event):\n"
                                 "        for listener in self.listeners:\n"
                                 "            listener(event)\n")
    result = await request(client, "mira/patterns",
                           {"textDocument": {"uri": uri(repo, "shop/events.py")}})
    assert [(p["pattern"], p["confidence"], p["evidence"], p["symbol"]["qualifiedName"],
             p["symbol"]["range"]["start"]) for p in result["items"]] == [
        ("Observer", 0.8, ["registration: subscribe", "notification: publish",
                           "keeps listeners"], "shop.events.EventBus",
         {"line": 0, "character": 0})]
