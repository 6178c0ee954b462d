"""Regenerate the server settings in client-vscode/package.json from MiraConfig.

Run after adding a setting to server/mira/core/config.py:
    PYTHONPATH=server python client-vscode/scripts/sync_settings.py
tests/core/config/test_vscode_settings.py fails until package.json matches.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_JSON = ROOT / "client-vscode" / "package.json"
CLIENT_ONLY = ("serverCommand", "serverArgs", "serverEnv", "trace.server")
MULTILINE = ("buildCommands",)


def server_properties() -> dict[str, dict[str, Any]]:
    sys.path.insert(0, str(ROOT / "server"))
    from mira.core.config import MiraConfig, camel, settings_fields

    hints = typing.get_type_hints(MiraConfig)
    properties: dict[str, dict[str, Any]] = {}
    for f in settings_fields():
        kind = hints[f.name]
        nullable = isinstance(kind, types.UnionType)
        if nullable:
            kind = next(a for a in typing.get_args(kind) if a is not type(None))
        json_type = {bool: "boolean", int: "integer", float: "number", str: "string"}[kind]
        text = str(f.metadata.get("help", ""))
        prop: dict[str, Any] = {"type": [json_type, "null"] if nullable else json_type,
                                "default": f.default,
                                "description": (text[:1].upper() + text[1:] + ".") if text else ""}
        if "min" in f.metadata:
            prop["minimum"] = f.metadata["min"]
        if "max" in f.metadata:
            prop["maximum"] = f.metadata["max"]
        for key in ("choices", "choices_lower"):
            if key in f.metadata:
                prop["enum"] = list(f.metadata[key])
        if camel(f.name) in MULTILINE:
            prop["editPresentation"] = "multilineText"
        properties["mira." + camel(f.name)] = prop
    return properties


def main() -> None:
    package = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    old = package["contributes"]["configuration"]["properties"]
    new = {k: v for k, v in old.items() if k.removeprefix("mira.") in CLIENT_ONLY}
    new.update(server_properties())
    package["contributes"]["configuration"]["properties"] = new
    PACKAGE_JSON.write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
    print(f"{len(new)} settings in {PACKAGE_JSON.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
