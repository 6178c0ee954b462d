"""``mira chat``, ``mira operations`` and ``mira budget`` as real subprocesses."""

from __future__ import annotations

import json
import os

from tests.support.cli import mira
from tests.support.gitrepo import GitRepo
from tests.support.scripted_llm import ScriptedLLM


def _env(llm: ScriptedLLM) -> dict[str, str]:
    return {"OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "sk-cli-test",
            "MIRA_MODEL": "gpt-4o-mini", "MIRA_MEMORY_MODEL_ANALYSIS": "false",
            "MIRA_SEMANTIC_ENABLED": "false"}


def test_chat_streams_to_the_terminal_and_records_the_operation(repo: GitRepo) -> None:
    with ScriptedLLM([
        {"tool_calls": [{"id": "c", "name": "read_file", "arguments": '{"path": "api.py"}'}]},
        {"text": "It returns 4.", "chunks": 3},
    ]) as llm:
        out = mira("chat", "What does handler return?", "--file", "api.py", "--line", "1",
                   cwd=repo.root, env=_env(llm))
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "It returns 4."
        assert "⚙ read_file {'path': 'api.py'}" in out.stderr and "✓ read api.py" in out.stderr
        assert "gpt-4o-mini: 200 in / 40 out tokens" in out.stderr

        ops = mira("operations", "--json", cwd=repo.root, env=_env(llm))
        op = json.loads(ops.stdout.splitlines()[0])
        assert op["state"] == "completed" and op["message"] == "What does handler return?"
        budget = mira("budget", "--json", cwd=repo.root, env=_env(llm))
        assert json.loads(budget.stdout)["calls"] == 2


def test_chat_without_a_model_and_with_errors(repo: GitRepo) -> None:
    env = {k: "" for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "MIRA_MODEL")}
    env["MIRA_SEMANTIC_ENABLED"] = "false"
    out = mira("chat", "how are api and client related?", "--file", "api.py", cwd=repo.root,
               env=env)
    assert out.returncode == 0, out.stderr
    assert "No language model is configured" in out.stdout
    assert "client.py" in out.stdout  # the co-change context it gathered instead

    with ScriptedLLM([{"status": 404, "message": "model not found"}]) as llm:
        failed = mira("chat", "hello", cwd=repo.root, env=_env(llm))
    assert failed.returncode == 2 and "not found" in failed.stderr
    assert "sk-cli-test" not in failed.stderr + failed.stdout
    assert os.path.exists(repo.root / ".mira")
