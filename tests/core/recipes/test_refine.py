"""A model refines a recipe's templates (scripted model): a valid refinement is the next
version and scaffolds use it; an invalid one is refused and nothing changes; mining again
keeps the refined version."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from mira.core.chat.service import ChatService
from mira.core.config import MiraConfig
from mira.core.recipes.refine import RefineError
from mira.core.recipes.service import RecipeService
from mira.core.workspace import Workspace
from tests.support import recipe_repo
from tests.support.scripted_llm import ScriptedLLM

HANDLER = "src/app/handlers/{{snake}}.py"
REFINED = ('"""The {{spaced}} handler."""\n\nfrom app.base import Handler\n\n\n'
           'class {{pascal}}Handler(Handler):\n    route = "/{{kebab}}"\n\n'
           '    def get(self, request):\n        # TODO: render the {{spaced}} page\n'
           '        return self.render("{{snake}}")\n')


def test_refinement_becomes_the_next_version(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = recipe_repo.build(tmp_path / "repo")
    reply = {"title": "New request handler", "note": "a TODO where the example rendered",
             "files": [{"path": HANDLER, "content": REFINED}]}
    bad = {"title": "x", "files": [{"path": "elsewhere/{{snake}}.py", "content": "x"}]}
    lost = {"files": [{"path": HANDLER, "content": "class Handler:\n    pass\n"}]}
    with ScriptedLLM([{"text": f"```json\n{json.dumps(reply)}\n```"}, {"text": json.dumps(bad)},
                      {"text": json.dumps(lost)}, {"text": "no json here"}]) as llm:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        ws = Workspace(repo.root, MiraConfig(semantic_enabled=False, llm_base_url=llm.base_url,
                                             model="gpt-4o-mini", openai_api_key="sk-test"))
        ws.open()
        service = ws.service(RecipeService)
        rid = next(r.id for r in service.recipes_blocking(ws.repos[0]) if HANDLER in r.files)
        completer = ws.service(ChatService).completer()
        assert completer is not None

        recipe, note = asyncio.run(service.refine_with_model(rid, completer))
        assert recipe.version == 2 and recipe.title == "New request handler"
        assert note == "a TODO where the example rendered"
        history = asyncio.run(service.history(rid))
        assert [(v["version"], v["source"]) for v in history] == [(1, "mined"), (2, "model")]
        result = asyncio.run(service.scaffold(rid, "cart"))
        created = next(c for c in result.changes if c.path == "src/app/handlers/cart.py")
        assert "# TODO: render the cart page" in (created.content or "")

        for _ in range(3):  # wrong path, lost placeholders, not JSON: refused, nothing stored
            with pytest.raises(RefineError):
                asyncio.run(service.refine_with_model(rid, completer))
        assert len(asyncio.run(service.history(rid))) == 2
        report = asyncio.run(ws.service(ChatService).budget())
        assert report.calls == 4  # every refinement call is budgeted and recorded
        completer.close()

        recipe_repo.GitRepo.commit(repo, "Add the orders handler", {
            "src/app/handlers/orders.py": recipe_repo.handler("orders"),
            "tests/test_orders.py": recipe_repo.test_file("orders")})
        again = next(r for r in service.recipes_blocking(ws.repos[0]) if r.id == rid)
        assert again.version == 2 and again.support == 5  # mining keeps the refinement
        assert "TODO: render" in again.creates[0].content
        asyncio.run(ws.close())
