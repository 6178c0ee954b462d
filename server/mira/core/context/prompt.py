"""The prompt builder: every part of the system prompt, in a fixed order, within budget.

Order: persona, project context, memory (summaries, recalled messages, facts),
the oracle's sections, repository structure, available tools, the current
file/selection. When the whole is over budget, parts are truncated — and then
dropped — from the lowest priority up (the repository tree goes first, the
persona never), so what the model loses is what matters least.
"""

from __future__ import annotations

from dataclasses import dataclass

from mira.core.context.api import ContextSection
from mira.core.context.tokens import count_tokens, truncate_to_tokens

DEFAULT_PERSONA = (
    "You are Mira, a senior engineer who knows this codebase the way its longest-serving "
    "engineer does: its history, its conventions, who knows what, and how past problems were "
    "fixed. Answer precisely and briefly, ground every claim in the context below (cite files "
    "as `path:line` and commits by short hash), say when the context does not tell, and never "
    "invent files, APIs or history.")
MIN_PART_TOKENS = 30

# lower number = more important (kept longest)
PRIORITY = {"persona": 0, "current_file": 1, "facts": 2, "tools": 3, "project": 4,
            "summaries": 6, "recalled": 7, "oracle": 8, "tree": 30}


@dataclass
class PromptPart:
    key: str  # persona | project | summaries | recalled | facts | oracle:<source> | tree | ...
    title: str | None  # the "## " heading, None for the persona
    text: str
    priority: int

    def render(self) -> str:
        return f"## {self.title}\n\n{self.text}" if self.title else self.text

    @property
    def tokens(self) -> int:
        return count_tokens(self.render()) + 1


@dataclass
class BuiltPrompt:
    system: str
    parts: list[PromptPart]
    dropped: list[str]  # "part: why"

    @property
    def tokens(self) -> int:
        return count_tokens(self.system)


def oracle_parts(sections: list[ContextSection]) -> list[PromptPart]:
    return [PromptPart(f"oracle:{s.source}", s.title, s.markdown, PRIORITY["oracle"] + i)
            for i, s in enumerate(sections)]


def assemble(parts: list[PromptPart], budget: int) -> BuiltPrompt:
    """Join non-empty parts in order; over ``budget``, shrink the least important first."""
    live = [p for p in parts if p.text.strip()]
    dropped: list[str] = []
    total = sum(p.tokens for p in live)
    for part in sorted(live, key=lambda p: (-p.priority, -live.index(p))):
        if total <= budget:
            break
        if part.priority == 0:
            continue
        excess = total - budget
        before = part.tokens
        keep = before - excess - count_tokens(f"## {part.title}\n\n") - 2
        if keep >= MIN_PART_TOKENS:
            part.text = truncate_to_tokens(part.text, keep)
            dropped.append(f"{part.key}: truncated to fit the budget")
        else:
            part.text = ""
            dropped.append(f"{part.key}: dropped to fit the budget")
        total += (part.tokens if part.text else 0) - before
    kept = [p for p in live if p.text.strip()]
    return BuiltPrompt("\n\n".join(p.render() for p in kept).strip() + "\n", kept, dropped)
