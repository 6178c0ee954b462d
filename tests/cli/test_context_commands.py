"""``mira context`` and ``mira memory`` as real subprocesses on the fixture repository."""

from __future__ import annotations

import asyncio
import json

from mira.core.context.provider import create_provider
from mira.core.workspace import Workspace
from tests.support.cli import mira
from tests.support.gitrepo import GitRepo


def test_context_text_json_and_bad_input(context_repo: GitRepo) -> None:
    out = mira("context", "Why does parse_config raise KeyError: 'name'?", "--file", "api.py",
               "--line", "2", cwd=context_repo.root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("## Similar Past Fixes")
    assert "## Related Files (Often Changed Together)" in out.stdout
    assert "-- preset for_error" in out.stderr
    # the code and search indexes were brought up to date first: code search, the current
    # file's call graph and outline are there, not only history
    assert "## Relevant Code\n\n### `config.py` lines 1-" in out.stdout
    assert "## Call Graph\n\n`api.handler` (function, `api.py:1`)\n- called by `client.call`" \
        in out.stdout
    assert "## Domain Experts\n\n- Alice Liddell" in out.stdout

    js = mira("context", "how do api and client relate?", "--file", "api.py", "--json",
              "--preset", "minimal", cwd=context_repo.root)
    assert js.returncode == 0, js.stderr
    data = json.loads(js.stdout)
    assert data["preset"] == "minimal"
    assert [s["source"] for s in data["sections"]] == ["code_search", "guidelines"]
    assert "api.py" in data["sections"][0]["markdown"]
    assert data["markdown"] in data["system"] and data["tokens"] > 0

    bad = mira("context", "q", "--preset", "huge", cwd=context_repo.root)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    missing = mira("context", "q", "--file", "nope.py", cwd=context_repo.root)
    assert missing.returncode == 2 and "nope.py does not exist" in missing.stderr
    zero = mira("context", "q", "--line", "0", cwd=context_repo.root)
    assert zero.returncode == 2 and "1-based" in zero.stderr


def test_memory_list_and_forget(context_repo: GitRepo) -> None:
    async def seed() -> None:
        ws = Workspace(context_repo.root)
        ws.open()
        await create_provider(ws).record("s", "user", "Remember that the api port is 8080.")
        await ws.close()

    asyncio.run(seed())
    listed = mira("memory", "list", cwd=context_repo.root)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("api_port = 8080  (remember, confidence 0.95, ")
    js = json.loads(mira("memory", "list", "--json", cwd=context_repo.root).stdout)
    assert [f["key"] for f in js["facts"]] == ["api_port"]
    assert mira("memory", "forget", "api_port", cwd=context_repo.root).stdout == "forgot api_port\n"
    again = mira("memory", "forget", "api_port", cwd=context_repo.root)
    assert again.returncode == 1 and "no fact named 'api_port'" in again.stderr
    assert mira("memory", "list", cwd=context_repo.root).stdout == "(no remembered facts)\n"
