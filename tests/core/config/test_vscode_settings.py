"""The VS Code extension's settings (client-vscode/package.json) are the server's settings."""

from __future__ import annotations

import json
from pathlib import Path

from mira.core.config import camel, defaults_as_camel, settings_fields

PACKAGE_JSON = Path(__file__).resolve().parents[3] / "client-vscode" / "package.json"
CLIENT_ONLY = {"serverCommand", "serverArgs", "serverEnv", "trace.server"}
FIX = "run: PYTHONPATH=server python client-vscode/scripts/sync_settings.py"


def contributed() -> dict[str, dict[str, object]]:
    package = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    properties = package["contributes"]["configuration"]["properties"]
    return {key.removeprefix("mira."): value for key, value in properties.items()}


def test_every_server_setting_is_contributed_with_the_server_default() -> None:
    settings = contributed()
    missing = sorted(set(defaults_as_camel()) - set(settings))
    assert not missing, f"settings missing from package.json: {missing}; {FIX}"
    for key, default in defaults_as_camel().items():
        assert settings[key]["default"] == default, f"{key}: package.json default differs; {FIX}"


def test_package_json_has_no_setting_the_server_does_not_know() -> None:
    unknown = sorted(set(contributed()) - set(defaults_as_camel()) - CLIENT_ONLY)
    assert not unknown, f"package.json settings the server ignores: {unknown}; {FIX}"


def test_types_and_bounds_match() -> None:
    settings = contributed()
    for f in settings_fields():
        prop = settings[camel(f.name)]
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        assert ("null" in types) == ("None" in str(f.type)), f.name
        if "min" in f.metadata:
            assert prop["minimum"] == f.metadata["min"], f.name
        if "max" in f.metadata:
            assert prop["maximum"] == f.metadata["max"], f.name
        choices = f.metadata.get("choices") or f.metadata.get("choices_lower")
        if choices:
            assert prop["enum"] == list(choices), f.name
