"""Context presets: how many tokens to spend and on which sources, in priority order.

The preset is chosen from what the chat has spent (``budget_used_fraction``:
below 40 % ``full``, 40-80 % ``default``, above 80 % ``minimal``) and from the
question (an error in it or in a diagnostic selects ``for_error`` unless the
budget is nearly spent); a request may name one explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

# section order = priority order; canonical order of the markdown sections
CANONICAL = ("guidelines", "code_search", "concepts", "call_graph", "symbols", "cochange",
             "fixes", "patterns", "build_errors", "resolutions", "experts")
# a source's cap at the default preset's size (scaled with the preset's budget)
BASE_CAPS = {"guidelines": 1200, "code_search": 2000, "concepts": 400, "call_graph": 500,
             "symbols": 300, "cochange": 300, "fixes": 1200, "patterns": 300,
             "build_errors": 500, "resolutions": 400, "experts": 200}
ORACLE_SHARE = 0.6  # of the preset's tokens, the part the oracle's sections may take


@dataclass(frozen=True)
class Preset:
    name: str
    max_tokens: int
    sources: tuple[str, ...]

    @property
    def oracle_tokens(self) -> int:
        return int(self.max_tokens * ORACLE_SHARE)

    def cap(self, source: str) -> int:
        return int(BASE_CAPS[source] * self.max_tokens / 8000)


PRESETS: dict[str, Preset] = {
    "full": Preset("full", 16_000, CANONICAL),
    "default": Preset("default", 8_000, ("guidelines", "code_search", "concepts", "call_graph",
                                         "symbols", "cochange", "fixes", "build_errors",
                                         "experts")),
    "minimal": Preset("minimal", 4_000, ("code_search", "guidelines")),
    "for_error": Preset("for_error", 12_000, ("fixes", "resolutions", "build_errors",
                                              "code_search", "guidelines", "call_graph",
                                              "cochange", "experts")),
}
FULL_BELOW = 0.4
MINIMAL_ABOVE = 0.8


class UnknownPreset(ValueError):
    pass


def choose(explicit: str | None, budget_used_fraction: float, has_error: bool) -> Preset:
    """The preset for a request: explicit > budget nearly spent > error > budget use."""
    if explicit:
        preset = PRESETS.get(explicit)
        if preset is None:
            raise UnknownPreset(f"unknown preset {explicit!r}; expected one of "
                                + ", ".join(PRESETS))
        return preset
    used = max(0.0, budget_used_fraction)
    if used > MINIMAL_ABOVE:
        return PRESETS["minimal"]
    if has_error:
        return PRESETS["for_error"]
    if used < FULL_BELOW:
        return PRESETS["full"]
    return PRESETS["default"]
