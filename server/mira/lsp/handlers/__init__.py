"""One module per concern; each exposes ``register(server)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mira.lsp.handlers import (
    build,
    chat,
    cochange,
    code,
    commands,
    context,
    editor,
    expertise,
    hints,
    learning,
    lifecycle,
    recipes,
    search,
    status,
)

if TYPE_CHECKING:
    from mira.lsp.server import MiraServer

MODULES = [lifecycle, editor, status, cochange, hints, commands, build, expertise, context,
           search, chat, code, recipes, learning]


def register_all(server: MiraServer) -> None:
    for module in MODULES:
        module.register(server)
