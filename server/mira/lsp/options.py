"""initializationOptions -> MiraConfig, with warnings instead of failures."""

from __future__ import annotations

from typing import Any

from mira.core.config import MiraConfig, load


def parse_options(options: Any) -> tuple[MiraConfig, list[str]]:
    """VS Code sends ``{"mira": {...}}`` when settings are nested; accept both shapes."""
    if isinstance(options, dict) and set(options) == {"mira"} and isinstance(options["mira"], dict):
        options = options["mira"]
    return load(options)
