"""Rendering a recipe for a new name into proposed changes (never written here).

Created files get the rendered content; a shared file gets each rendered line
inserted next to the existing lines its template matches — at its sorted place
when those lines are sorted by name, after the last of them otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mira.core.recipes.model import Recipe
from mira.core.recipes.names import Words, placeholder_regex, render, split_words

ReadText = Callable[[str], str | None]   # repository-relative path -> current text
Exists = Callable[[str], bool]


class ScaffoldError(ValueError):
    pass


@dataclass
class Insertion:
    line: int       # 0-based line of the current text the new line goes before
    text: str       # the new line(s), ending with a newline
    character: int = 0


@dataclass
class Change:
    path: str
    kind: str                          # "create" | "edit"
    content: str | None = None
    edits: list[Insertion] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        if self.kind == "create":
            return {"path": self.path, "kind": "create", "content": self.content}
        return {"path": self.path, "kind": "edit", "edits": [
            {"range": {"start": {"line": e.line, "character": e.character},
                       "end": {"line": e.line, "character": e.character}}, "newText": e.text}
            for e in self.edits]}


@dataclass
class Scaffold:
    recipe: str
    name: str
    changes: list[Change]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"recipe": self.recipe, "name": self.name,
                "changes": [c.to_json() for c in self.changes], "notes": self.notes}


def name_words(name: str) -> Words:
    words = split_words(name)
    if not words:
        raise ScaffoldError(f"{name!r} has no letters or digits to name a file with")
    return words


def scaffold(recipe: Recipe, name: str, read: ReadText, exists: Exists) -> Scaffold:
    words = name_words(name)
    out = Scaffold(recipe.id, name, [])
    for tpl in recipe.creates:
        path = render(tpl.path, words)
        if exists(path):
            out.notes.append(f"{path} already exists; not created")
            continue
        out.changes.append(Change(path, "create", content=render(tpl.content, words)))
    for edit in recipe.edits:
        text = read(edit.path)
        if text is None:
            out.notes.append(f"{edit.path} is missing or unreadable; not edited")
            continue
        inserts = [ins for line in edit.lines if (ins := place(text, line, words)) is not None]
        if inserts:
            out.changes.append(Change(edit.path, "edit", edits=inserts))
        else:
            out.notes.append(f"{edit.path}: no line like the recipe's to insert next to")
    return out


def place(text: str, line_template: str, words: Words) -> Insertion | None:
    """Where the rendered ``line_template`` goes in ``text``; None when it has no neighbours
    or is already there."""
    new_line = render(line_template, words)
    lines = text.splitlines()
    if new_line in lines:
        return None
    pattern = placeholder_regex(line_template)
    matches = [(i, m.group(1)) for i, ln in enumerate(lines) if (m := pattern.match(ln))]
    if not matches:
        return None
    keys = [name.lower() for _, name in matches]
    new_key = (pattern.match(new_line) or _Fallback(new_line)).group(1).lower()
    if len(keys) > 1 and keys == sorted(keys):
        at = next((i for (i, _), k in zip(matches, keys, strict=True) if k > new_key), None)
        if at is None:
            at = matches[-1][0] + 1
    else:
        at = matches[-1][0] + 1
    if at >= len(lines) and not text.endswith("\n"):
        return Insertion(len(lines) - 1, "\n" + new_line, len(lines[-1]))
    return Insertion(at, new_line + "\n")


class _Fallback:
    def __init__(self, text: str) -> None:
        self.text = text

    def group(self, _: int) -> str:
        return self.text
