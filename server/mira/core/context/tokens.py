"""Offline token counting: a calibrated estimate of a GPT-style BPE tokenizer.

Why an estimate: ``tiktoken`` downloads its encodings on first use and fails
offline, and the only tokenizer.json shipped with the installed packages is a
WordPiece one (MiniLM), which splits code very differently from the byte-level
BPE the chat models use. The estimate below splits text the way cl100k's
pre-tokenizer does (letters, digits in groups of three, punctuation runs,
whitespace) and charges each piece what BPE typically needs; the constants were
fitted against ``cl100k_base`` (see docs/benchmarks.md for the measured error).
"""

from __future__ import annotations

import re

# cl100k's pre-tokenizer, spelled for ``re``: a word with one optional leading
# non-letter, digit groups of up to three, punctuation runs, newlines, spaces
_PIECE = re.compile(r"(?:[^\r\n\w]|_)?[^\W\d_]+|\d{1,3}| ?(?:[^\s\w]|_)+[\r\n]*"
                    r"|\s*[\r\n]+|\s+(?!\S)|\s+")
# per-piece costs fitted by least squares against cl100k_base on Python code and markdown
WORD = 1.129  # a word piece
LONG_WORD_LETTER = 0.1724  # each letter of a word beyond SHORT_WORD
SHORT_WORD = 6
DIGITS = 1.485  # a group of up to three digits
SPACE = 0.647  # a whitespace/newline piece
PUNCT = 0.533  # a punctuation run
PUNCT_CHAR = 0.2518  # each character of it
NON_ASCII_CHAR = 1.0  # letters outside ASCII (CJK, accents) cost about a token each


def estimate_tokens(text: str) -> int:
    """Tokens ``text`` would take for a GPT-style tokenizer (cl100k-like), offline."""
    if not text:
        return 0
    total = 0.0
    for match in _PIECE.finditer(text):
        piece = match.group()
        body = piece.lstrip(" ")
        if not body.strip():
            total += SPACE
        elif body[0].isalpha() or (len(body) > 1 and body[1].isalpha()):
            if not body.isascii():
                total += WORD + NON_ASCII_CHAR * sum(1 for c in body if not c.isascii())
            else:
                total += WORD + LONG_WORD_LETTER * max(0, len(body) - SHORT_WORD)
        elif body[0].isdigit():
            total += DIGITS
        else:
            stripped = body.strip()
            total += PUNCT + PUNCT_CHAR * len(stripped)
            if not stripped.isascii():
                total += NON_ASCII_CHAR * sum(1 for c in stripped if not c.isascii())
    return max(1, round(total))


def count_tokens(text: str) -> int:
    return estimate_tokens(text)


def truncate_to_tokens(text: str, limit: int, marker: str = "\n… (truncated)") -> str:
    """The longest line-aligned prefix of ``text`` within ``limit`` tokens (marker included)."""
    if limit <= 0:
        return ""
    if estimate_tokens(text) <= limit:
        return text
    budget = limit - estimate_tokens(marker)
    if budget <= 0:
        return ""
    kept: list[str] = []
    used = 0
    for line in text.splitlines(keepends=True):
        cost = estimate_tokens(line)
        if used + cost > budget:
            if not kept:  # one huge line: cut by characters
                ratio = budget / max(cost, 1)
                kept.append(line[: max(0, int(len(line) * ratio) - 1)])
            break
        kept.append(line)
        used += cost
    return "".join(kept).rstrip("\n") + marker
