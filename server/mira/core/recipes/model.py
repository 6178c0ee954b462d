"""A recipe: what a recurring change creates and which shared files it edits, as templates.

Recipes are declarative data. Scaffolding renders placeholders into text; nothing
generated is ever executed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from mira.core.recipes.mining import Cluster, Instance, anchor
from mira.core.recipes.names import abstract, has_placeholder, split_words

TextAt = Callable[[str, str], str | None]          # (revision, path) -> text
AddedLines = Callable[[str, str], list[str]]        # (commit, path) -> lines it added
CONTENT_INSTANCES = 5   # instances whose contents shape a template
EDIT_INSTANCES = 8      # instances whose diffs shape the edits to shared files


@dataclass
class FileTemplate:
    path: str
    content: str


@dataclass
class EditTemplate:
    path: str
    lines: list[str]  # line templates, inserted next to the lines that look like them


@dataclass
class Example:
    commit: str
    subject: str
    name: str
    time: int


@dataclass
class Recipe:
    id: str
    title: str
    creates: list[FileTemplate]
    edits: list[EditTemplate]
    support: int
    last_used: int
    examples: list[Example]
    version: int = 1
    retired: bool = False
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def files(self) -> list[str]:
        return [c.path for c in self.creates] + [e.path for e in self.edits]

    @property
    def anchor(self) -> str:
        return anchor(tuple(c.path for c in self.creates))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Recipe:
        return cls(
            id=d["id"], title=d["title"],
            creates=[FileTemplate(**c) for c in d.get("creates", [])],
            edits=[EditTemplate(**e) for e in d.get("edits", [])],
            support=d["support"], last_used=d["last_used"],
            examples=[Example(**x) for x in d.get("examples", [])],
            version=d.get("version", 1), retired=d.get("retired", False),
            stats=d.get("stats", {}))


def thing(template: str) -> str:
    """"src/flask/views/{{snake}}.py" -> "view (py)": a noun for titles."""
    parts = template.split("/")
    folder = next((p for p in reversed(parts[:-1]) if not has_placeholder(p)), "")
    ext = parts[-1].rsplit(".", 1)[-1] if "." in parts[-1] else ""
    folder = folder.strip("_.")
    noun = folder[:-1] if len(folder) > 3 and folder.endswith("s") and not folder.endswith(
        "ss") else folder
    if not noun:
        return f"{ext} file" if ext else "file"
    return f"{noun} ({ext})" if ext else noun


def title_for(cluster: Cluster) -> str:
    key = cluster.key
    extra = len(key) - 1
    head = f"New {thing(anchor(key))}"
    if extra:
        head += f" + {extra} more file{'s' if extra > 1 else ''}"
    if cluster.shared_files:
        n = len(cluster.shared_files)
        head += f", {n} edit{'s' if n > 1 else ''}"
    return head


def recipe_id(key: tuple[str, ...], taken: set[str]) -> str:
    words = [w for w in split_words(re.sub(r"\{\{\w+\}\}", " ", anchor(key))) if len(w) > 1]
    base = "-".join(words[-3:]) or "recipe"
    rid = base
    if rid in taken:
        rid = f"{base}-{hashlib.sha1('|'.join(key).encode()).hexdigest()[:4]}"
    taken.add(rid)
    return rid


def content_template(instances: list[Instance], template: str, text_at: TextAt,
                     mode: str = "skeleton") -> str:
    """The file's content with the name abstracted: the latest instance's text, trimmed in
    ``skeleton`` mode to the lines that at least half of the other instances share."""
    texts: list[str] = []
    for inst in reversed(instances[-CONTENT_INSTANCES:]):
        path = next((p for p in inst.files if abstract(p, inst.words) == template), None)
        text = text_at(inst.change.oid, path) if path else None
        if text is not None:
            texts.append(abstract(text, inst.words))
    if not texts:
        return ""
    latest = texts[0]
    if mode != "skeleton" or len(texts) < 3:
        return latest
    others = [{ln.strip() for ln in t.splitlines()} for t in texts[1:]]
    need = math.ceil(len(others) / 2)
    kept: list[str] = []
    for line in latest.splitlines():
        if not line.strip():
            if kept and kept[-1].strip():
                kept.append(line)
            continue
        if sum(line.strip() in o for o in others) >= need:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept) + "\n" if kept else latest


def edit_templates(cluster: Cluster, added_lines: AddedLines) -> list[EditTemplate]:
    """Per shared file: the added lines that spell the name, identical (abstracted) in at
    least two instances and in a third of the instances that edited the file."""
    out = []
    for path in cluster.shared_files:
        counts: Counter[str] = Counter()
        order: dict[str, int] = {}
        editing = [i for i in cluster.instances if path in i.change.modified][-EDIT_INSTANCES:]
        for inst in editing:
            seen = set()
            for line in added_lines(inst.change.oid, path):
                t = abstract(line.rstrip(), inst.words)
                if has_placeholder(t) and t not in seen:
                    seen.add(t)
                    counts[t] += 1
                    order.setdefault(t, len(order))
        need = max(2, math.ceil(len(editing) / 3))
        lines = sorted((t for t, n in counts.items() if n >= need), key=order.__getitem__)
        if lines:
            out.append(EditTemplate(path, lines))
    return out


def build(cluster: Cluster, rid: str, text_at: TextAt, added_lines: AddedLines,
          mode: str = "skeleton") -> Recipe:
    creates = [FileTemplate(t, content_template(cluster.instances, t, text_at, mode))
               for t in sorted(cluster.key, key=lambda t: (t != anchor(cluster.key), t))]
    edits = edit_templates(cluster, added_lines)
    latest = cluster.instances[-1]
    examples = [Example(i.change.oid, i.change.subject, "_".join(i.words), i.change.time)
                for i in reversed(cluster.instances[-5:])]
    title = title_for(Cluster(cluster.key, cluster.instances, [e.path for e in edits]))
    return Recipe(rid, title, creates, edits, cluster.support, latest.change.time, examples)


def recipe_json(r: Recipe) -> dict[str, Any]:
    """The one JSON shape of a recipe (CLI and LSP)."""
    return {
        "id": r.id, "title": r.title, "files": r.files, "support": r.support,
        "lastUsed": dt.datetime.fromtimestamp(r.last_used, tz=dt.UTC).isoformat(
            timespec="seconds") if r.last_used else None,
        "examples": [{"commit": e.commit, "subject": e.subject, "name": e.name}
                     for e in r.examples],
        "creates": [c.path for c in r.creates],
        "edits": [{"path": e.path, "lines": e.lines} for e in r.edits],
        "version": r.version, "retired": r.retired,
        "effectiveness": r.stats.get("effectiveness"),
    }
