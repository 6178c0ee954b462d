"""Code the model proposes, turned into artifacts the user can apply with one click.

Two ways in: the ``propose_change`` tool (explicit), and fenced code blocks in the
answer whose info string names a workspace file (```` ```python src/app.py ````) or
unified diffs (```` ```diff ```` with ``+++ b/path``). Diffs are applied here, in
memory, so the client only ever receives a whole-file replacement it can show
and apply; nothing touches the disk until the user applies it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mira.core.files import editor_language

_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchError(ValueError):
    """A diff does not apply to the current file."""


@dataclass
class Candidate:
    path: str
    kind: str  # full | diff
    content: str


def language_of(path: str) -> str:
    return editor_language(path)


def _looks_like_path(token: str) -> bool:
    return bool(re.fullmatch(r"[\w.\-/]+\.[A-Za-z0-9]{1,8}", token)) and not token.startswith(
        ("/", "-")) and ".." not in token.split("/")


def from_answer(text: str) -> list[Candidate]:
    """Proposed files in an answer's fenced blocks (blocks without a path are just code)."""
    found: list[Candidate] = []
    for match in _FENCE.finditer(text):
        info, body = match.group(1).strip(), match.group(2)
        tokens = [t.split("=", 1)[-1].strip("\"'") for t in info.replace(":", " ").split()]
        if tokens and tokens[0].lower() in ("diff", "patch"):
            target = diff_target(body)
            if target:
                found.append(Candidate(target, "diff", body))
            continue
        paths = [t for t in tokens[1:] if _looks_like_path(t)]
        if paths:
            found.append(Candidate(paths[0], "full", body))
    return found


def diff_target(diff: str) -> str | None:
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:].split("\t")[0].strip()
            if name == "/dev/null":
                return None
            return name[2:] if name.startswith(("a/", "b/")) else name
    return None


def apply_unified_diff(original: str, diff: str) -> str:
    """Apply a unified diff to ``original``; hunks may be offset, context must match."""
    old = original.splitlines(keepends=True)
    out: list[str] = []
    pos = 0
    lines = diff.splitlines(keepends=True)
    i = 0
    applied = 0
    while i < len(lines):
        m = _HUNK.match(lines[i])
        if not m:
            i += 1
            continue
        i += 1
        before: list[str] = []
        after: list[str] = []
        while i < len(lines) and not lines[i].startswith("@@"):
            line = lines[i]
            if line.startswith("\\"):
                i += 1
                continue
            tag, body = (line[:1], line[1:]) if line[:1] in " +-" else (" ", line)
            if line.strip() == "" and line[:1] not in " +-":
                tag, body = " ", line
            if tag in " -":
                before.append(body)
            if tag in " +":
                after.append(body)
            i += 1
        start = _find(old, before, max(int(m.group(1)) - 1, 0), pos)
        if start is None:
            raise PatchError(f"hunk {applied + 1} (at line {m.group(1)}) does not match the"
                             " current file")
        out.extend(old[pos:start])
        out.extend(after)
        pos = start + len(before)
        applied += 1
    if not applied:
        raise PatchError("the diff has no hunks")
    out.extend(old[pos:])
    return "".join(out)


def _find(old: list[str], block: list[str], hint: int, floor: int) -> int | None:
    def norm(lines: list[str]) -> list[str]:
        return [ln.rstrip("\r\n") for ln in lines]

    target = norm(block)
    candidates = sorted(range(floor, len(old) - len(block) + 1), key=lambda s: abs(s - hint))
    for start in candidates:
        if norm(old[start:start + len(block)]) == target:
            return start
    return None
