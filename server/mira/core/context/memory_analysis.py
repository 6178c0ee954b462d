"""Reading chat messages for memory: salience, facts and summaries.

Heuristics first, so memory works with no model at all; when a language model is
configured its answers replace the heuristic ones, and any failure of the model
falls back to the heuristic (memory must never break a chat).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

from mira.core.context.llm import LanguageModel

log = logging.getLogger(__name__)
SALIENT = 0.5  # messages at or above this are embedded for semantic recall

_DECISION = re.compile(
    r"\b(remember|note that|important|always|never|prefer|decided|decision|we use|let'?s use|"
    r"must|don'?t|do not|convention|requirement|deadline|password|port|version)\b", re.I)
_CODE = re.compile(r"```|`[^`]+`|\b\w+\(\)|\b[\w-]+/[\w./-]+\.\w+\b|\b\w+\.(py|ts|js|rs|go|md|"
                   r"toml|json|yaml|yml|sql)\b|\b[a-z]+_[a-z_]+\b")
_ERRORISH = re.compile(r"\b\w*(Error|Exception)\b|Traceback|failed|panicked", re.I)
_SMALL_TALK = re.compile(r"^\s*(?:(?:ok(?:ay)?|thanks?(?: you)?|thx|yes|no|sure|great|cool|"
                         r"got it|nice|hi|hello)[\s,.!]*)+$", re.I)


def _ask(model: LanguageModel, prompt: str, task: str) -> str | None:
    """The model's answer, or None when it fails (logged by kind only: memory never breaks
    a chat, and the message may carry what must not reach a log)."""
    try:
        return model.complete(prompt)
    except Exception as exc:
        log.warning("%s by the model failed: %s", task, type(exc).__name__)
        return None


def heuristic_salience(role: str, content: str) -> float:
    """0..1: how much a message is worth remembering (decisions, code, errors, facts)."""
    text = content.strip()
    if not text or _SMALL_TALK.match(text):
        return 0.05
    score = 0.25
    if _DECISION.search(text):
        score += 0.3
    if _CODE.search(text):
        score += 0.2
    if _ERRORISH.search(text):
        score += 0.15
    if len(text) > 80:
        score += 0.1
    if role == "user":
        score += 0.05
    return round(min(score, 1.0), 3)


def llm_salience(model: LanguageModel, role: str, content: str) -> float | None:
    prompt = ("Rate from 0 to 10 how important it is to remember this message later in a "
              "coding conversation (decisions, preferences, facts, errors score high; small "
              "talk scores low). Reply with the number only.\n\n"
              f"Message ({role}):\n{content[:2000]}")
    answer = _ask(model, prompt, "salience analysis")
    match = re.search(r"\d+(?:\.\d+)?", answer or "")
    if not match:
        return None
    return max(0.0, min(float(match.group()) / 10.0, 1.0))


# -- facts -------------------------------------------------------------------------------

@dataclass
class Fact:
    key: str
    value: str
    confidence: float
    source: str  # remember | preference | llm


_REMEMBER = re.compile(r"(?:^|[.!?]\s+|\n)\s*(?:please\s+)?remember(?:\s+that)?\s*[:,]?\s+"
                       r"(?P<stmt>[^\n.!?]+(?:\.\d[^\n.!?]*)*)", re.I)
_IS = re.compile(r"^(?P<key>.+?)\s+(?:is|are|=|:|equals)\s+(?P<value>.+)$", re.I)
_PREFER = re.compile(r"\bI\s+(?:really\s+)?(?:prefer|like|always use|want you to use)\s+"
                     r"(?P<obj>[^\n.!?]+)", re.I)
_ALWAYS = re.compile(r"(?:^|[.!?]\s+)(?P<stmt>(?:always|never|don'?t|do not)\s+(?:use|write|add|"
                     r"put|call|run)\s+[^\n.!?]+)", re.I)
_ARTICLES = re.compile(r"^(?:the|my|our|a|an)\s+", re.I)


def slug(text: str, words: int = 6) -> str:
    parts = re.findall(r"[a-z0-9]+", _ARTICLES.sub("", text.strip()).lower())
    return "_".join(parts[:words]) or "note"


def extract_facts(role: str, content: str) -> list[Fact]:
    """"remember …" statements and stated preferences of the user, as key/value facts."""
    if role != "user":
        return []
    facts: list[Fact] = []
    for match in _REMEMBER.finditer(content):
        stmt = match.group("stmt").strip().rstrip(".")
        kv = _IS.match(stmt)
        if kv and len(kv.group("key").split()) <= 8:
            facts.append(Fact(slug(kv.group("key")), kv.group("value").strip(), 0.95,
                              "remember"))
        else:
            facts.append(Fact(slug(stmt), stmt, 0.9, "remember"))
    for match in _PREFER.finditer(content):
        obj = match.group("obj").strip()
        facts.append(Fact("preference." + slug(obj, 4), f"prefers {obj}", 0.6, "preference"))
    for match in _ALWAYS.finditer(content):
        stmt = match.group("stmt").strip()
        facts.append(Fact("preference." + slug(stmt, 5), stmt, 0.6, "preference"))
    unique: dict[str, Fact] = {}
    for fact in facts:
        unique.setdefault(fact.key, fact)
    return list(unique.values())


def llm_facts(model: LanguageModel, content: str) -> list[Fact]:
    prompt = ("Extract durable facts or preferences the user states in this message, one per "
              "line as `key = value` (key: a few lower_case words). Reply NONE if there are "
              f"none.\n\nMessage:\n{content[:2000]}")
    facts = []
    for line in (_ask(model, prompt, "fact extraction") or "").splitlines():
        if "=" not in line:
            continue
        key, _, value = line.strip(" -*\t").partition("=")
        if key.strip() and value.strip():
            facts.append(Fact(slug(key), value.strip()[:500], 0.7, "llm"))
    return facts[:5]


# -- summaries ---------------------------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORDS = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")


def extractive_summary(messages: list[tuple[str, str, float]], max_sentences: int = 5,
                       max_chars: int = 700) -> str:
    """The most informative sentences of (role, content, salience) messages, in order."""
    freq: Counter[str] = Counter()
    sentences: list[tuple[int, str, str, float]] = []
    for role, content, salience in messages:
        for sentence in _SENTENCE.split(content):
            sentence = sentence.strip()
            if len(sentence) < 12 or sentence.startswith("```"):
                continue
            sentences.append((len(sentences), role, sentence, salience))
            freq.update(w.lower() for w in _WORDS.findall(sentence))
    if not sentences:
        return ""

    def score(item: tuple[int, str, str, float]) -> float:
        words = [w.lower() for w in _WORDS.findall(item[2])]
        density = sum(freq[w] for w in set(words)) / (len(words) + 3)
        return item[3] * 2 + density + (0.3 if _DECISION.search(item[2]) else 0)

    best = sorted(sorted(sentences, key=score, reverse=True)[:max_sentences])
    lines: list[str] = []
    used = 0
    for _, role, sentence, _sal in best:
        line = f"- {role}: {sentence[:240]}"
        if used + len(line) > max_chars:
            break
        lines.append(line)
        used += len(line)
    return "\n".join(lines)


def llm_summary(model: LanguageModel, messages: list[tuple[str, str, float]]) -> str | None:
    transcript = "\n".join(f"{role}: {content[:800]}" for role, content, _ in messages)
    prompt = ("Summarize this part of a coding conversation in at most 5 short bullet points "
              "(decisions, facts, open questions):\n\n" + transcript[:12_000])
    return (_ask(model, prompt, "summary") or "").strip() or None
