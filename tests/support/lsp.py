"""A pytest-lsp client that keeps ``mira/*`` results as plain JSON, and polling helpers."""

from __future__ import annotations

import asyncio
import os
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage
from pygls.protocol import default_converter as pygls_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import register_lsp_features

SERVER_ROOT = Path(__file__).resolve().parents[2] / "server"


def _converter() -> Any:
    converter = pygls_converter()
    converter.register_structure_hook(
        JsonRPCResponseMessage,
        lambda obj, cls: cls(id=obj["id"], result=obj.get("result"), jsonrpc=obj["jsonrpc"]))
    converter.register_structure_hook(
        JsonRPCRequestMessage,
        lambda obj, cls: cls(id=obj["id"], method=obj["method"], jsonrpc=obj["jsonrpc"],
                             params=obj.get("params")))
    converter.register_structure_hook(
        JsonRPCNotification,
        lambda obj, cls: cls(method=obj["method"], jsonrpc=obj["jsonrpc"],
                             params=obj.get("params")))
    # lsprotocol's client-side hook turns a CodeAction carrying a command into a Command
    command_or_action = typing.Union[types.Command, types.CodeAction]  # noqa: UP007
    converter.register_structure_hook(
        command_or_action,
        lambda obj, _: converter.structure(
            obj, types.Command if isinstance(obj.get("command"), str) else types.CodeAction))
    return converter


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=_converter)
    register_lsp_features(client)  # records diagnostics, progress, shown documents, messages
    client.code_lens_refreshes = 0  # type: ignore[attr-defined]
    _record_partial_results(client)

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(params: None) -> None:
        client.code_lens_refreshes += 1  # type: ignore[attr-defined]

    return client


def _record_partial_results(client: LanguageClient) -> None:
    """``$/progress`` values that are partial results (not work-done progress) are kept in
    ``client.partial_results[token]``; pytest-lsp's own handler only knows work-done kinds."""
    client.partial_results = {}  # type: ignore[attr-defined]
    work_done = client.protocol.fm.features[types.PROGRESS]

    def progress(params: types.ProgressParams) -> None:
        value = params.value
        if isinstance(value, dict) and value.get("kind") in ("begin", "report", "end"):
            work_done(params)
        else:
            client.partial_results.setdefault(params.token, []).append(value)  # type: ignore[attr-defined]

    client.protocol.fm.features[types.PROGRESS] = progress


def server_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SERVER_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("MIRA_LOG_LEVEL", "WARNING")
    # embedding every fixture repository would only slow the suite down; the search tests
    # turn it on
    env.setdefault("MIRA_SEMANTIC_ENABLED", "false")
    env.update(extra)
    return env


def config(**env: str) -> ClientServerConfig:
    return ClientServerConfig(
        server_command=[sys.executable, "-m", "mira", "serve"],
        server_env=server_env(**env),
        client_factory=make_client,
    )


CAPABILITIES = types.ClientCapabilities(
    window=types.WindowClientCapabilities(work_done_progress=True, show_document=types.
                                          ShowDocumentClientCapabilities(support=True)),
    workspace=types.WorkspaceClientCapabilities(
        code_lens=types.CodeLensWorkspaceClientCapabilities(refresh_support=True),
        workspace_folders=True),
    text_document=types.TextDocumentClientCapabilities(
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities()),
)


async def initialize(client: LanguageClient, folder: Path,
                     options: dict[str, Any] | None = None) -> types.InitializeResult:
    return await client.initialize_session(types.InitializeParams(
        capabilities=CAPABILITIES,
        root_uri=folder.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name=folder.name)],
        initialization_options=options or {},
    ))


async def request(client: LanguageClient, method: str, params: Any) -> Any:
    return await client.protocol.send_request_async(method, params)


async def wait_for(predicate: Callable[[], Any], timeout: float = 15.0,
                   interval: float = 0.05) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


async def wait_indexed(client: LanguageClient, timeout: float = 30.0) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        status = await request(client, "mira/status", {})
        repos = [r for ws in status["workspaces"] for r in ws["repositories"]]
        if repos and all(r["state"] in ("ready", "empty") for r in repos):
            return dict(status)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not indexed within {timeout}s: {status}")
        await asyncio.sleep(0.1)
