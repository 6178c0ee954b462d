"""mira/refineRecipe over stdio against the real server with a scripted model: a valid
refinement is the recipe's next version (and scaffolds use it); an invalid answer is refused
with RequestFailed and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_lsp import LanguageClient

from tests.support import recipe_repo
from tests.support.gitrepo import GitRepo
from tests.support.lsp import request
from tests.support.scripted_llm import ScriptedLLM

HANDLER = "src/app/handlers/{{snake}}.py"
REFINED = ('"""The {{spaced}} handler."""\n\nfrom app.base import Handler\n\n\n'
           'class {{pascal}}Handler(Handler):\n    route = "/{{kebab}}"\n'
           '    # TODO: what the {{spaced}} page shows\n')


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return recipe_repo.build(tmp_path / "repo")


@pytest.fixture
def client(model_client: LanguageClient) -> LanguageClient:
    return model_client


async def test_refine_recipe_request(client: LanguageClient, llm: ScriptedLLM) -> None:
    listed = await request(client, "mira/recipes", {})
    recipe = next(r for r in listed["recipes"] if HANDLER in r["files"])
    assert recipe["version"] == 1
    llm.script[:] = [
        {"text": json.dumps({"title": "New request handler", "note": "a TODO for the page",
                             "files": [{"path": HANDLER, "content": REFINED}]})},
        {"text": json.dumps({"files": [{"path": "elsewhere/{{snake}}.py", "content": "x"}]})},
    ]
    result = await request(client, "mira/refineRecipe", {"recipe": recipe["id"]})
    assert result["note"] == "a TODO for the page"
    assert result["recipe"]["version"] == 2 and result["recipe"]["title"] == "New request handler"
    made = await request(client, "mira/scaffold", {"recipe": recipe["id"], "name": "cart"})
    handler = next(c for c in made["changes"] if c["path"] == "src/app/handlers/cart.py")
    assert "# TODO: what the cart page shows" in handler["content"]

    with pytest.raises(Exception, match="not kept"):
        await request(client, "mira/refineRecipe", {"recipe": recipe["id"]})
    again = next(r for r in (await request(client, "mira/recipes", {}))["recipes"]
                 if r["id"] == recipe["id"])
    assert again["version"] == 2
    with pytest.raises(Exception, match="no recipe"):
        await request(client, "mira/refineRecipe", {"recipe": "nope"})
