"""Bad requests and odd client answers, in raw JSON-RPC against the real server: every
method answers missing or invalid params with -32602 (never -32603), a ``null`` or error
answer to the server's own requests still answers the request that asked, and text that
cannot be encoded as UTF-8 never breaks a feature."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from mira.lsp.handlers import create_server
from mira.lsp.protocol import MIRA_METHODS
from tests.support.gitrepo import cochange_fixture
from tests.support.rawlsp import RawServer

INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603


def _requests_and_commands() -> tuple[list[str], list[str]]:
    server = create_server()
    features = set(server.protocol.fm.features) | set(MIRA_METHODS)
    requests = sorted(m for m in features
                      if m in MIRA_METHODS or (m in types.METHOD_TO_TYPES and _is_request(m)))
    requests = [m for m in requests if m not in (types.INITIALIZE, types.SHUTDOWN)]
    return requests, sorted(server.protocol.fm.commands)


def _is_request(method: str) -> bool:
    import attrs
    request_type = types.METHOD_TO_TYPES[method][0]
    return "id" in attrs.fields_dict(request_type)


@pytest.fixture
def server(tmp_path: Path) -> Any:
    repo = cochange_fixture(tmp_path / "repo")
    show_answers = iter([{"result": None},
                         {"error": {"code": -32603, "message": "no editor for this"}}])
    answers = {
        # an editor that cannot show the document answers null; one that fails, an error
        "window/showDocument": lambda m: next(show_answers, {"result": {"success": True}}),
        "workspace/applyEdit": lambda m: {"error": {"code": -32603, "message": "no editor"}},
        "window/showMessageRequest": lambda m: {"result": None},
    }
    raw = RawServer(tmp_path, answers=answers)
    raw.initialize(repo.root, {"dataDir": str(tmp_path / "data")})
    raw.wait_status(lambda s: all(r["state"] == "ready" for w in s["workspaces"]
                                  for r in w["repositories"]) and s["workspaces"][0][
                                      "repositories"])
    raw.repo = repo  # type: ignore[attr-defined]
    yield raw
    raw.kill()


def _code(reply: dict[str, Any]) -> int | None:
    return reply.get("error", {}).get("code") if "error" in reply else None


def _out_of_range(uri: str) -> dict[str, Any]:
    """Params of the right shape with values no document has (every method's fields)."""
    far = {"line": 99999, "character": 99999}
    span = {"start": far, "end": far}
    return {"textDocument": {"uri": uri}, "position": far, "range": span, "query": "\x00*",
            "context": {"diagnostics": []}, "limit": -1, "message": "",
            "item": {"name": "x", "kind": 12, "uri": uri, "range": span, "selectionRange": span}}


@pytest.mark.parametrize("params", [None, "omitted", {}, [], 42, {"textDocument": {"uri": 7}},
                                    "out of range", "elsewhere"])
def test_every_method_answers_bad_params_with_invalid_params(server: RawServer,
                                                             params: Any) -> None:
    requests, _ = _requests_and_commands()
    assert "mira/cochange" in requests and "textDocument/hover" in requests
    if params == "out of range":
        params = _out_of_range((server.repo.root / "api.py").as_uri())  # type: ignore[attr-defined]
    elif params == "elsewhere":
        params = _out_of_range("file:///nonexistent/elsewhere.py")
    for method in requests:
        if method == "mira/chat" and isinstance(params, dict) and "message" in params:
            continue  # a valid chat; answered by test_chat_lsp.py
        reply = server.request(method, None if params == "omitted" else params,
                               omit_params=params == "omitted", timeout=60)
        code = _code(reply)
        assert code != INTERNAL_ERROR, (method, params, reply)
        assert code in (None, INVALID_PARAMS), (method, params, reply)
    assert server.request("mira/status", {})["result"]["workspaces"]


@pytest.mark.parametrize("arguments", [None, [], [42], [None, None, None, None, None]])
def test_every_command_answers_bad_arguments_with_invalid_params(server: RawServer,
                                                                 arguments: Any) -> None:
    _, commands = _requests_and_commands()
    for command in commands:
        params: dict[str, Any] = {"command": command}
        if arguments is not None:
            params["arguments"] = arguments
        reply = server.request("workspace/executeCommand", params, timeout=60)
        assert _code(reply) in (None, INVALID_PARAMS), (command, arguments, reply)
    assert server.request("mira/status", {})["result"]["workspaces"]


def test_open_file_answers_when_the_client_answers_null_or_an_error(server: RawServer) -> None:
    uri = (server.repo.root / "api.py").as_uri()  # type: ignore[attr-defined]
    results = [server.request("workspace/executeCommand",
                              {"command": "mira.openFile", "arguments": [uri]}, timeout=15)
               ["result"] for _ in range(3)]
    assert results == [False, False, True]  # null, error, then a real answer
    assert "window/showDocument" in [r["method"] for r in server.server_requests]


def test_show_cochange_answers_when_the_client_answers_null(server: RawServer) -> None:
    uri = (server.repo.root / "api.py").as_uri()  # type: ignore[attr-defined]
    reply = server.request("workspace/executeCommand",
                           {"command": "mira.showCochange", "arguments": [uri]}, timeout=15)
    assert reply["result"]["items"][0]["path"] == "client.py"
    assert "window/showMessageRequest" in [r["method"] for r in server.server_requests]


def test_lone_surrogate_in_buffer_text_keeps_features_working(server: RawServer) -> None:
    uri = (server.repo.root / "api.py").as_uri()  # type: ignore[attr-defined]
    # JSON allows a lone surrogate escape; Python decodes it to an unencodable str
    body = ('{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": '
            '{"uri": "URI", "languageId": "python", "version": 1, "text": '
            '"def f():\\n    return \\"\\ud800\\"\\n\\n\\nclass Box:\\n    size = 1\\n"}}}'
            ).replace("URI", uri).encode()
    server.send(body)
    symbols = server.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    assert "error" not in symbols, symbols
    assert [s["name"] for s in symbols["result"]] == ["f", "Box"]
    change = ('{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {'
              '"textDocument": {"uri": "URI", "version": 2}, "contentChanges": [{"range": '
              '{"start": {"line": 5, "character": 0}, "end": {"line": 5, "character": 0}}, '
              '"text": "    def label(self):\\n        return \\"\\udc80\\"\\n"}]}}'
              ).replace("URI", uri).encode()
    server.send(change)
    for method, params in [
            ("textDocument/documentSymbol", {"textDocument": {"uri": uri}}),
            ("textDocument/hover", {"textDocument": {"uri": uri},
                                    "position": {"line": 0, "character": 4}}),
            ("textDocument/codeLens", {"textDocument": {"uri": uri}}),
            ("mira/cochange", {"textDocument": {"uri": uri}})]:
        reply = server.request(method, params)
        assert "error" not in reply, (method, reply)
    symbols = server.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    box = next(s for s in symbols["result"] if s["name"] == "Box")
    assert "label" in {c["name"] for c in box.get("children", [])}
