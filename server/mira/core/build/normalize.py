"""Turning an error message into a stable skeleton and fingerprint for matching.

Two occurrences of "the same" error differ in paths, line numbers, the names and
values involved and memory addresses; what stays is the error class/code and the
sentence around them. The skeleton keeps exactly that, and the fingerprint is a
hash of (tool, code, skeleton) so occurrences can be counted across runs.
"""

from __future__ import annotations

import hashlib
import re

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"0x[0-9a-fA-F]+"), "<addr>"),
    (re.compile(r"\b[0-9a-f]{7,40}\b"), "<hash>"),
    # quoted things: identifiers, literals, types
    (re.compile(r"`[^`\n]*`"), "<q>"),
    (re.compile("\u2018[^\u2019\n]*\u2019"), "<q>"),
    (re.compile(r"\"(?:[^\"\\\n]|\\.)*\""), "<q>"),
    (re.compile(r"'(?:[^'\\\n]|\\.)*'"), "<q>"),
    # paths (Windows and POSIX), with optional :line:col
    (re.compile(r"(?:[A-Za-z]:)?(?:[\\/][\w.\-@+]+)+(?::\d+)*"), "<path>"),
    (re.compile(r"\b[\w\-.]+\.(?:py|pyi|ts|tsx|js|jsx|mjs|rs|go|c|h|cc|cpp|hpp)\b(?::\d+)*"),
     "<path>"),
    (re.compile(r"\b\d+(?:\.\d+)?\b"), "<n>"),
]
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{1,}")
_CLASS = re.compile(r"\b([A-Z][A-Za-z]*(?:Error|Exception|Warning)|E\d{4}|TS\d{3,5}|"
                    r"[A-Z]{1,3}\d{3,4})\b")


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def skeleton(message: str) -> str:
    """The message with paths, numbers, quoted names/literals, addresses and hashes removed."""
    text = strip_ansi(message).strip()
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    return _SPACE.sub(" ", text)[:300]


def fingerprint(tool: str, code: str | None, message: str) -> str:
    key = f"{tool}\x00{code or ''}\x00{skeleton(message)}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def words(text: str) -> set[str]:
    """Lower-cased word tokens (identifiers split on ``_`` and camelCase too)."""
    out: set[str] = set()
    for word in _WORD.findall(text):
        lowered = word.lower()
        out.add(lowered)
        parts = re.split(r"_+|(?<=[a-z0-9])(?=[A-Z])", word)
        if len(parts) > 1:
            out.update(p.lower() for p in parts if len(p) > 2)
    return out


def error_classes(text: str) -> set[str]:
    """Error classes and codes named in a text: TypeError, E0502, TS2345, F401 ..."""
    return set(_CLASS.findall(text))
