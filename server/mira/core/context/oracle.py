"""The Context Oracle: run the preset's gatherers, fit their sections in the budget.

Gatherers run concurrently, each with a timeout; one that is not applicable (no
file open, nothing found) or fails is listed in ``skipped`` with the reason and
costs nothing. Sections are then admitted in the preset's priority
order, each within its own cap and what is left of the oracle's share.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from mira.core import secrets
from mira.core.context.api import ContextSection
from mira.core.context.presets import Preset
from mira.core.context.sources import GATHERERS, GatherInput, Skip, SourceResult
from mira.core.context.tokens import count_tokens, truncate_to_tokens

log = logging.getLogger(__name__)
SOURCE_TIMEOUT_S = 20.0
MIN_SECTION_TOKENS = 40


@dataclass
class OracleResult:
    preset: str
    sections: list[ContextSection]
    skipped: list[str] = field(default_factory=list)  # "source: why"
    citations: list[dict[str, Any]] = field(default_factory=list)
    results: list[SourceResult] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return sum(s.tokens for s in self.sections)

    def format_for_prompt(self) -> str:
        """Markdown, one ``##`` section per source that contributed."""
        return format_sections(self.sections)


def format_sections(sections: list[ContextSection]) -> str:
    return "\n\n".join(f"## {s.title}\n\n{s.markdown}" for s in sections)


async def _run(name: str, inp: GatherInput, cap: int, timeout: float
               ) -> SourceResult | str:
    try:
        return await asyncio.wait_for(GATHERERS[name](inp, cap), timeout)
    except Skip as exc:
        return str(exc)
    except TimeoutError:
        return f"timed out after {timeout:g} s"
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a failing source is reported, never fatal
        log.warning("context source %s failed", name, exc_info=True)
        return f"failed: {type(exc).__name__}: {exc}"


async def gather(inp: GatherInput, preset: Preset, timeout: float = SOURCE_TIMEOUT_S
                 ) -> OracleResult:
    names = [n for n in preset.sources if n in GATHERERS]
    outcomes = await asyncio.gather(*(_run(n, inp, preset.cap(n), timeout) for n in names))
    result = OracleResult(preset.name, [])
    left = preset.oracle_tokens
    for name, outcome in zip(names, outcomes, strict=True):
        if isinstance(outcome, str):
            result.skipped.append(f"{name}: {outcome}")
            continue
        cap = min(preset.cap(name), left)
        if cap < MIN_SECTION_TOKENS:
            result.skipped.append(f"{name}: no budget left in preset {preset.name}")
            continue
        markdown = secrets.redact(outcome.markdown)  # defence in depth: every section, again
        if count_tokens(markdown) > cap:
            markdown = truncate_to_tokens(markdown, cap)
        tokens = count_tokens(markdown)
        left -= tokens
        result.sections.append(ContextSection(outcome.title, markdown, tokens, name))
        result.citations.extend(c for c in outcome.citations if any(c.values()))
        result.results.append(outcome)
    return result
