"""One module per concern; each exposes ``register(server)``.

``create_server`` is where the server meets its handlers: ``server.py`` defines the server
object and knows no handler; every handler receives that object.
"""

from __future__ import annotations

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
from mira.lsp.server import MiraServer

MODULES = [lifecycle, editor, status, cochange, hints, commands, build, expertise, context,
           search, chat, code, recipes, learning]


def create_server() -> MiraServer:
    """A server with every handler registered."""
    server = MiraServer()
    for module in MODULES:
        module.register(server)
    return server
