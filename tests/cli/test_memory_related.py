"""``mira memory related`` as a real subprocess: after a ``mira chat`` about a file, the chat's
messages relate to the file, the files it read and the facts it taught."""

from __future__ import annotations

import json

from tests.support.cli import mira
from tests.support.gitrepo import GitRepo
from tests.support.scripted_llm import ScriptedLLM


def test_memory_related_by_file_fact_and_message(repo: GitRepo) -> None:
    env = {"MIRA_MEMORY_MODEL_ANALYSIS": "false", "MIRA_SEMANTIC_ENABLED": "false",
           "OPENAI_API_KEY": "sk-cli-test", "MIRA_MODEL": "gpt-4o-mini"}
    with ScriptedLLM([
        {"tool_calls": [{"id": "c", "name": "read_file", "arguments": '{"path": "client.py"}'}]},
        {"text": "client.py calls it."},
    ]) as llm:
        env["OPENAI_BASE_URL"] = llm.base_url
        out = mira("chat", "Who calls handler? Remember that the owner is Ada.", "--file",
                   "api.py", cwd=repo.root, env=env)
        assert out.returncode == 0, out.stderr
        found = mira("memory", "related", "api.py", "--json", cwd=repo.root, env=env)
        assert found.returncode == 0, found.stderr
        messages = json.loads(found.stdout)["messages"]
        assert [m["role"] for m in messages] == ["assistant", "user"]  # newest first
        user, answer = messages[1], messages[0]
        assert {"kind": "file", "target": "api.py", "relation": "about"} in user["links"]
        assert {"kind": "fact", "target": "owner", "relation": "taught"} in user["links"]
        assert answer["links"] == [{"kind": "file", "target": "client.py", "relation": "read"}]
        assert user["excerpt"].startswith("Who calls handler?")

        by_fact = mira("memory", "related", "--fact", "owner", cwd=repo.root, env=env)
        assert by_fact.returncode == 0, by_fact.stderr
        assert "taught fact owner" in by_fact.stdout and "read file client.py" in by_fact.stdout
        by_message = mira("memory", "related", "--message", str(answer["id"]), "--json",
                          cwd=repo.root, env=env)
        assert len(json.loads(by_message.stdout)["messages"]) == 2
        nothing = mira("memory", "related", "models.py", cwd=repo.root, env=env)
        assert "(no conversation relates to it yet)" in nothing.stdout
        both = mira("memory", "related", "api.py", "--fact", "owner", cwd=repo.root, env=env)
        assert both.returncode != 0 and "exactly one" in both.stderr
