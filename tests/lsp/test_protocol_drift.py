"""Drift guards between the server, the VS Code client and docs/lsp-extensions.md (as
rust-analyzer keeps for its extensions): a method added on one side only fails here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from mira.lsp.handlers import create_server

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL_TS = ROOT / "client-vscode" / "src" / "protocol.ts"
DOC = ROOT / "docs" / "lsp-extensions.md"


def _ts_constants(name: str) -> set[str]:
    """The string values of ``export const NAME = { key: 'value', ... }`` in protocol.ts."""
    text = PROTOCOL_TS.read_text(encoding="utf-8")
    match = re.search(rf"export const {name} = \{{(.*?)\}} as const;", text, re.DOTALL)
    assert match, f"protocol.ts has no {name}"
    return set(re.findall(r"'([^']+)'", match.group(1)))


def _registered() -> tuple[set[str], set[str]]:
    fm = create_server().protocol.fm
    methods = {m for m in fm.features if m.startswith("mira/")}
    return methods, set(fm.commands)


def test_protocol_ts_names_exactly_the_methods_the_server_registers() -> None:
    methods, commands = _registered()
    assert methods, "the server registers no mira/* method"
    client = _ts_constants("Methods")
    assert client - methods == set(), "protocol.ts names methods the server does not register"
    assert methods - client == set(), "the server registers methods protocol.ts does not name"
    server_commands = _ts_constants("ServerCommands")
    assert server_commands == commands, (server_commands ^ commands)


def test_every_registered_method_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    methods, commands = _registered()
    missing = sorted(m for m in methods | commands if f"`{m}`" not in doc)
    assert not missing, f"docs/lsp-extensions.md does not mention {missing}"


def test_lsp_extensions_doc_is_up_to_date_with_the_protocol_modules() -> None:
    """Changed a protocol module? Update the doc, then run ``scripts/protocol-hash --update``."""
    check = subprocess.run([sys.executable, str(ROOT / "scripts" / "protocol-hash"), "--check"],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
