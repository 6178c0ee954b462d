"""The varying name of a change and its spellings (snake, kebab, camel, Pascal, upper, flat,
spaced).

A recipe abstracts one name out of paths and contents. The same name is spelled
differently in different places (``user_profile.py``, ``UserProfile``,
``user-profile.md``), so every spelling becomes its own placeholder and a
scaffold renders each one from the words of the new name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

Words = tuple[str, ...]

# When two forms spell a name the same way (one-word names), the first form here wins.
FORMS = ("snake", "kebab", "camel", "pascal", "upper", "flat", "spaced")

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_PLACEHOLDER = re.compile(r"\{\{(" + "|".join(FORMS) + r")\}\}")


def split_words(text: str) -> Words:
    """``"userProfile-v2"`` -> ``("user", "profile", "v", "2")`` (lower case)."""
    return tuple(w.lower() for w in _WORD.findall(text))


def spell(words: Sequence[str], form: str) -> str:
    if form == "snake":
        return "_".join(words)
    if form == "kebab":
        return "-".join(words)
    if form == "flat":
        return "".join(words)
    if form == "spaced":  # prose: "the audit log handler"
        return " ".join(words)
    if form == "upper":
        return "_".join(words).upper()
    if form == "pascal":
        return "".join(w[:1].upper() + w[1:] for w in words)
    if form == "camel":
        return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:]) if words else ""
    raise ValueError(f"unknown form {form!r}")


def spellings(words: Sequence[str]) -> list[tuple[str, str]]:
    """(form, text) for each distinct spelling, longest text first."""
    seen: dict[str, str] = {}
    for form in FORMS:
        text = spell(words, form)
        if text and text not in seen:
            seen[text] = form
    return sorted(((form, text) for text, form in seen.items()), key=lambda p: -len(p[1]))


def _bounded(text: str, start: int, end: int, spelled: str) -> bool:
    """The match is a whole word of an identifier, not part of a longer word."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    # "getUser": an upper-case start may follow a lower-case letter or a digit
    if before.isalnum() and not (spelled[0].isupper() and not before.isupper()):
        return False
    if after.isalnum():
        last_upper = spelled[-1].isupper() or (spelled[-1].isdigit() and spelled.isupper())
        if spelled[-1].isdigit() and after.isdigit():
            return False
        if last_upper and after.isupper():
            return False
        if not last_upper and (after.islower() or after.isdigit()):
            return False
    return True


def abstract(text: str, words: Sequence[str]) -> str:
    """``text`` with every bounded spelling of ``words`` replaced by its placeholder."""
    if not words:
        return text
    out = text
    for form, spelled in spellings(words):
        out = _replace_bounded(out, spelled, "{{" + form + "}}")
    return out


def _replace_bounded(text: str, spelled: str, placeholder: str) -> str:
    parts: list[str] = []
    pos = 0
    start = text.find(spelled)
    while start >= 0:
        end = start + len(spelled)
        if _bounded(text, start, end, spelled):
            parts.append(text[pos:start])
            parts.append(placeholder)
            pos = end
            start = text.find(spelled, end)
        else:
            start = text.find(spelled, start + 1)
    parts.append(text[pos:])
    return "".join(parts)


def render(template: str, words: Sequence[str]) -> str:
    """Fill every placeholder of ``template`` with the spelling of ``words``."""
    return _PLACEHOLDER.sub(lambda m: spell(words, m.group(1)), template)


def has_placeholder(text: str) -> bool:
    return _PLACEHOLDER.search(text) is not None


_GROUP = {"snake": r"([A-Za-z0-9][A-Za-z0-9_]*?)", "kebab": r"([A-Za-z0-9][A-Za-z0-9\-]*?)",
          "upper": r"([A-Z0-9][A-Z0-9_]*?)", "spaced": r"([A-Za-z0-9][A-Za-z0-9 ]*?)"}


def placeholder_regex(template: str) -> re.Pattern[str]:
    """A regex matching ``template`` with any name in its placeholders (one group each)."""
    pieces = []
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        pieces.append(re.escape(template[pos:m.start()]))
        pieces.append(_GROUP.get(m.group(1), r"([A-Za-z0-9]+?)"))
        pos = m.end()
    pieces.append(re.escape(template[pos:]))
    return re.compile("^" + "".join(pieces) + "$")


def name_candidates(segment: str, max_words: int = 4) -> Iterator[Words]:
    """Contiguous runs of words of a path segment that are spelled in it as one name."""
    words = split_words(segment)
    for i in range(len(words)):
        for j in range(i + 1, min(len(words), i + max_words) + 1):
            run = words[i:j]
            if any(_present(segment, spelled, run) for _, spelled in spellings(run)):
                yield run


def _present(text: str, spelled: str, words: Sequence[str]) -> bool:
    start = text.find(spelled)
    while start >= 0:
        if _bounded(text, start, start + len(spelled), spelled):
            return True
        start = text.find(spelled, start + 1)
    return False


def name_of(path: str, template: str) -> Words | None:
    """The words that ``template`` (a path with placeholders) abstracts out of ``path``."""
    m = placeholder_regex(template).match(path)
    if m is None:
        return None
    found: Words | None = None
    for g in m.groups():
        words = split_words(g)
        if found is None:
            found = words
        elif words != found:
            return None
    if found is None or render(template, found) != path:
        return None
    return found
