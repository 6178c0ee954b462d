"""Refinement of a recipe's templates by a language model, validated before it is kept.

The model may name things better, add a doc comment, or replace details of the example it
was mined from with TODOs; it may not change which files a recipe makes, nor invent
placeholders. A refinement that passes is stored as the recipe's next version (its
evolution history); the templates stay declarative text either way.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable

from mira.core.recipes.model import FileTemplate, Recipe
from mira.core.recipes.names import FORMS

Complete = Callable[[str], str]
MAX_CONTENT_CHARS = 6000
_ANY_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


class RefineError(ValueError):
    pass


def prompt_for(recipe: Recipe) -> str:
    files = [{"path": c.path, "content": c.content[:MAX_CONTENT_CHARS]} for c in recipe.creates]
    return (
        "These file templates were mined from a repository's history: each new instance of "
        "this change creates these files. Placeholders stand for the new thing's name: "
        + ", ".join("{{" + f + "}}" for f in FORMS) + ".\n"
        "Refine the templates: replace details specific to the example they came from with "
        "short TODO comments, give generic names to what should be named, and add one short "
        "doc comment where the language has them. Keep the placeholders exactly as written, "
        "keep the same paths, and keep each file's language.\n"
        'Reply with JSON only: {"title": "...", "files": [{"path": "...", "content": "..."}], '
        '"note": "what you changed"}\n\n'
        f"Title: {recipe.title}\nFiles:\n{json.dumps(files, indent=1)}")


def _json(reply: str) -> dict[str, object]:
    text = reply.strip()
    fenced = re.match(r"^```\w*\n(.*?)\n?```$", text, re.DOTALL)
    if fenced:
        text = fenced.group(1)
    start, end = text.find("{"), text.rfind("}")
    try:
        data = json.loads(text[start:end + 1]) if start >= 0 else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise RefineError("the model did not answer with a JSON object")
    return data


def refined(recipe: Recipe, reply: str) -> tuple[Recipe, str]:
    """The recipe with the model's templates, and its note; RefineError when invalid."""
    data = _json(reply)
    files = data.get("files")
    if not isinstance(files, list) or not files:
        raise RefineError("the refinement has no files")
    by_path = {c.path: c for c in recipe.creates}
    contents: dict[str, str] = {}
    for f in files:
        if not isinstance(f, dict) or f.get("path") not in by_path:
            raise RefineError(f"the refinement names a file the recipe does not make: {f!r:.80}")
        content = f.get("content")
        if not isinstance(content, str) or not content.strip():
            raise RefineError(f"the refinement of {f['path']} is empty")
        unknown = set(_ANY_PLACEHOLDER.findall(content)) - set(FORMS)
        if unknown:
            raise RefineError(f"unknown placeholders in {f['path']}: {sorted(unknown)}")
        if _ANY_PLACEHOLDER.search(by_path[f["path"]].content) and not _ANY_PLACEHOLDER.search(
                content):
            raise RefineError(f"the refinement of {f['path']} lost the name's placeholders")
        contents[f["path"]] = content if content.endswith("\n") else content + "\n"
    title = data.get("title")
    creates = [FileTemplate(c.path, contents.get(c.path, c.content)) for c in recipe.creates]
    new = dataclasses.replace(recipe, creates=creates, title=title.strip()[:120]
                              if isinstance(title, str) and title.strip() else recipe.title)
    note = data.get("note")
    return new, note.strip()[:300] if isinstance(note, str) else "refined by the model"


def refine(recipe: Recipe, complete: Complete) -> tuple[Recipe, str]:
    return refined(recipe, complete(prompt_for(recipe)))
