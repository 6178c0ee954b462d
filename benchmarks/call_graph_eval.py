"""Call graph quality against a type-aware reference: jedi ``goto(follow_imports=True)``
for Python repositories (TypeScript: ``benchmarks/ts_reference.mjs``, the TypeScript
compiler's language service).

Protocol (what a user sees by default): the whole repository is indexed by
``CodeService.index()``; call sites are found by Python's ``ast`` (not by Mira's
extractor), shuffled with a fixed seed, and asked of the reference one by one until
``--sites`` of them have a definition inside the repository (a function, method or class).

- recall: the share of those sites where Mira shows an edge to the reference's definition
  (a constructor call: the class or the constructor it runs);
- precision: of the edges Mira shows at every sampled site the reference answered (inside
  the repository or not: an edge at a call of ``str.join`` is wrong), the share that are
  right. Sites the reference cannot answer are left out.

Both are broken down by kind: ``super``, ``constructor``, ``self`` (method on self/cls),
``re-exported`` (the imported module is not the defining one), ``imported``,
``receiver`` (an attribute of any other receiver: typed locals, ``self.attr``, calls),
``plain`` (a name of the same module).

usage: python -m benchmarks.call_graph_eval REPO... [--sites 200] [--seed 15] [--guesses]
       [--json] [--ts-reference SITES.jsonl]  (a TypeScript REPO: node
       benchmarks/ts_reference.mjs REPO TYPESCRIPT_DIR > SITES.jsonl first)
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import posixpath
import random
import sqlite3
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mira.core.code.service import CodeService
from mira.core.config import MiraConfig
from mira.core.workspace import Workspace

SKIP_PARTS = {".git", ".tox", ".venv", "venv", "node_modules", "build", "dist", ".mira"}
KINDS = ("plain", "self", "imported", "re-exported", "constructor", "super", "receiver",
         "outside")  # outside: the reference's answer is outside the repository


@dataclass
class Site:
    path: str  # repository-relative
    line: int  # 1-based
    col: int  # 0-based byte column of the callee's name
    kind: str
    root: str | None  # the leftmost name of the callee expression
    dotted: str = ""  # the callee expression when it is a dotted name (``pkg.Client``)


@dataclass
class Tally:
    sites: int = 0
    found: int = 0
    edges: int = 0
    right: int = 0
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, kind: str, key: str, n: int = 1) -> None:
        self.by_kind.setdefault(kind, Counter())[key] += n


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py")
                  if not SKIP_PARTS & set(p.relative_to(root).parts) and p.is_file())


def _imports(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound by imports -> the module they come from (absolute or as
    written with its dots)."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else \
                    a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for a in node.names:
                out[a.asname or a.name] = f"{base}.{a.name}" if base.endswith(".") is False \
                    else base + a.name
    return out


def call_sites(root: Path) -> list[Site]:
    sites: list[Site] = []
    for path in python_files(root):
        try:
            source = path.read_bytes()
            tree = ast.parse(source)
        except (SyntaxError, ValueError, OSError):
            continue
        lines = source.split(b"\n")
        imported = _imports(tree)
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name):
                sites.append(Site(rel, func.lineno, func.col_offset,
                                  "imported" if func.id in imported else "plain", func.id,
                                  func.id))
            elif isinstance(func, ast.Attribute) and func.end_lineno is not None and \
                    func.end_col_offset is not None:
                line = lines[func.end_lineno - 1]
                col = func.end_col_offset - len(func.attr.encode())
                if line[col:col + len(func.attr.encode())] != func.attr.encode():
                    continue
                value = func.value
                rootname = value
                while isinstance(rootname, ast.Attribute):
                    rootname = rootname.value
                root_id = rootname.id if isinstance(rootname, ast.Name) else None
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and \
                        value.func.id == "super":
                    kind = "super"
                elif isinstance(value, ast.Name) and value.id in ("self", "cls"):
                    kind = "self"
                elif root_id is not None and root_id in imported and \
                        _is_dotted(value):
                    kind = "imported"
                else:
                    kind = "receiver"
                sites.append(Site(rel, func.end_lineno, col, kind, root_id,
                                  ast.unparse(func) if _is_dotted(func) else ""))
    return sites


def _is_dotted(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _module_of(path: Path, root: Path) -> str:
    """Dotted module name from the top-most package directory holding ``path``."""
    parts = [path.stem] if path.stem != "__init__" else []
    d = path.parent
    while d != root and (d / "__init__.py").exists():
        parts.insert(0, d.name)
        d = d.parent
    return ".".join(parts)


class Reference:
    def __init__(self, root: Path) -> None:
        import jedi  # a benchmark-only dependency
        self.jedi = jedi
        paths = [str(root / "src")] if (root / "src").is_dir() else []
        std = sysconfig.get_paths()
        self.project = jedi.Project(str(root), sys_path=[*paths, str(root), std["stdlib"],
                                                         std["platstdlib"]])
        self.root = root.resolve()
        self._scripts: dict[str, Any] = {}

    def goto(self, site: Site) -> list[tuple[str, int, str]] | None:
        """[(repository path or "", 1-based line, jedi type)]; None: no answer."""
        script = self._scripts.get(site.path)
        if script is None:
            path = self.root / site.path
            script = self.jedi.Script(path.read_text("utf-8", "replace"), path=path,
                                      project=self.project)
            if len(self._scripts) > 8:
                self._scripts.clear()
            self._scripts[site.path] = script
        line_text = (self.root / site.path).read_bytes().split(b"\n")[site.line - 1]
        column = len(line_text[:site.col].decode("utf-8", "replace"))
        try:
            names = script.goto(site.line, column, follow_imports=True)
        except Exception:
            return None
        out = []
        for n in names:
            if n.module_path is None or n.line is None:
                out.append(("", 0, n.type))
                continue
            try:
                rel = Path(n.module_path).resolve().relative_to(self.root).as_posix()
            except ValueError:
                rel = ""
            out.append((rel, n.line, n.type))
        return out or None


def mira_index(root: Path, data: Path) -> tuple[Workspace, CodeService, float]:
    ws = Workspace(root, MiraConfig(data_dir=str(data), nested_repo_depth=0))
    ws.open()
    service = ws.service(CodeService)
    started = time.perf_counter()
    service.index()
    return ws, service, time.perf_counter() - started


def _mira_view(root: Path, guesses: bool) -> tuple[
        dict[tuple[str, int, int], list[str]], dict[tuple[str, int], str], dict[str, str],
        CodeService, float]:
    """Index ``root`` fresh; the edges shown at each site (1-based lines), definitions by
    (path, 1-based name line), kinds."""
    data = Path(tempfile.mkdtemp(prefix="mira-cg-"))
    ws, service, seconds = mira_index(root, data)
    conn = sqlite3.connect(ws.db_path)
    wanted = "" if guesses else " AND c.confidence = 'resolved'"
    edges: dict[tuple[str, int, int], list[str]] = {}
    for path, line, col, callee in conn.execute(
            "SELECT f.path, c.line, c.col, c.callee FROM code_calls c"
            f" JOIN code_files f ON f.id = c.file_id WHERE 1{wanted}"):
        edges.setdefault((path, line + 1, col), []).append(callee)
    defs: dict[tuple[str, int], str] = {}
    kinds: dict[str, str] = {}
    for path, line, q, kind in conn.execute(
            "SELECT f.path, s.sel_line, s.qualified_name, s.kind FROM code_symbols s"
            " JOIN code_files f ON f.id = s.file_id WHERE s.kind != 'module'"):
        defs.setdefault((path, line + 1), q)
        kinds[q] = kind
    conn.close()
    return edges, defs, kinds, service, seconds


def _judge(tally: Tally, kind: str, shown: list[str], accepted: set[str],
           is_ref_site: bool) -> None:
    if not is_ref_site:
        kind = "outside"
    tally.edges += len(shown)
    right = sum(1 for q in shown if q in accepted)
    tally.right += right
    tally.add(kind, "edges", len(shown))
    tally.add(kind, "right", right)
    if is_ref_site:
        tally.sites += 1
        tally.add(kind, "sites")
        if right:
            tally.found += 1
            tally.add(kind, "found")


def _accepted(mapped: list[str | None], kinds: dict[str, str], service: CodeService
              ) -> set[str]:
    """The reference's definitions and, for a class, the constructor it runs."""
    resolver = service._resolver_for(service._writer_conn())
    accepted: set[str] = set()
    for q in mapped:
        if q is not None:
            accepted.add(q)
            ctor = resolver.constructor(q) if kinds.get(q) in ("class", "struct") else None
            if ctor:
                accepted.add(ctor)
    return accepted


def _result(root: Path, tally: Tally, asked: int, answered: int, seconds: float
            ) -> dict[str, Any]:
    return {
        "repository": root.name, "indexSeconds": round(seconds, 2), "asked": asked,
        "answered": answered, "sites": tally.sites,
        "precision": round(tally.right / tally.edges, 3) if tally.edges else None,
        "recall": round(tally.found / tally.sites, 3) if tally.sites else None,
        "edges": tally.edges,
        "byKind": {k: {"sites": c["sites"], "recall": round(c["found"] / c["sites"], 3)
                       if c["sites"] else None, "edges": c["edges"],
                       "precision": round(c["right"] / c["edges"], 3) if c["edges"] else None}
                   for k, c in sorted(tally.by_kind.items())},
    }


def evaluate(root: Path, sites_wanted: int = 200, seed: int = 15, guesses: bool = False
             ) -> dict[str, Any]:
    """A Python repository against jedi."""
    root = root.resolve()
    edges, defs, kinds, service, seconds = _mira_view(root, guesses)
    reference = Reference(root)
    sites = call_sites(root)
    random.Random(seed).shuffle(sites)
    tally = Tally()
    asked = answered = 0
    for site in sites:
        if tally.sites >= sites_wanted:
            break
        asked += 1
        ref = reference.goto(site)
        if ref is None:
            continue
        answered += 1
        in_repo = [r for r in ref if r[0] and r[2] in ("function", "class")]
        mapped = [defs.get((p, line)) for p, line, _ in in_repo]
        if in_repo and all(mapped):
            is_ref_site = True  # the reference names definitions Mira knows
        elif all(not p for p, _, _ in ref):
            is_ref_site = False  # outside the repository: any edge shown is wrong
        else:
            continue  # a variable, a parameter, a lambda: not judged
        kind = site.kind
        first = mapped[0] if mapped else None
        if first is not None and kinds.get(first) == "class" and kind != "super":
            kind = "constructor"
        elif kind == "imported" and first is not None:
            kind = _imported_kind(root, site, first)
        _judge(tally, kind, edges.get((site.path, site.line, site.col), []),
               _accepted(mapped, kinds, service), is_ref_site)
    return _result(root, tally, asked, answered, seconds)


TS_CALLABLE = {"function", "method", "class", "constructor", "const", "let", "var",
               "local function", "property"}


def evaluate_ts(root: Path, reference_jsonl: Path, sites_wanted: int = 200, seed: int = 15,
                guesses: bool = False) -> dict[str, Any]:
    """A TypeScript repository against ``ts_reference.mjs``'s output."""
    root = root.resolve()
    edges, defs, kinds, service, seconds = _mira_view(root, guesses)
    sites = [json.loads(line) for line in reference_jsonl.read_text().splitlines() if line]
    random.Random(seed).shuffle(sites)
    tally = Tally()
    asked = answered = 0
    for site in sites:
        if tally.sites >= sites_wanted:
            break
        asked += 1
        ref = site["defs"]
        if not ref:
            continue
        answered += 1
        in_repo = [d for d in ref if d["path"] and d["kind"] in TS_CALLABLE]
        mapped = [defs.get((d["path"], d["line"] + 1)) for d in in_repo]
        if in_repo and any(mapped):
            is_ref_site = True
            mapped = [q for q in mapped if q]
        elif all(not d["path"] for d in ref):
            is_ref_site = False
        else:
            continue
        kind = site["kind"]
        first = mapped[0] if mapped else None
        if first is not None and kinds.get(first) == "class" and kind != "super":
            kind = "constructor"
        elif kind == "imported" and first is not None and site.get("spec", "").startswith("."):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(site["path"]),
                                                       site["spec"]))
            target = target.rsplit(".", 1)[0] if target.endswith(".js") else target
            defined = next(d["path"] for d in in_repo).rsplit(".", 1)[0]
            kind = "imported" if defined in (target, target + "/index") else "re-exported"
        _judge(tally, kind, edges.get((site["path"], site["line"] + 1, site["col"]), []),
               _accepted(mapped, kinds, service), is_ref_site)
    return _result(root, tally, asked, answered, seconds)


def _imported_kind(root: Path, site: Site, qualified: str) -> str:
    """``re-exported`` when the name as written through its import (``pkg.Client``) is not
    where it is defined (``pkg._client.Client``)."""
    tree = ast.parse((root / site.path).read_bytes())
    source = _imports(tree).get(site.root or "", "")
    if source.startswith("."):
        here = _module_of(root / site.path, root).split(".")
        package = here if site.path.endswith("__init__.py") else here[:-1]
        dots = len(source) - len(source.lstrip("."))
        package = package[:len(package) - (dots - 1)] if dots > 1 else package
        source = ".".join([*package, source.lstrip(".")])
    written = source + site.dotted[len(site.root or ""):]
    # a method called through its class (`pkg.Client.get`): the class part decides
    direct = qualified == written or qualified.startswith(written + ".") or \
        written.startswith(qualified + ".")
    return "imported" if direct else "re-exported"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--guesses", action="store_true", help="count guesses by name too")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--ts-reference", type=Path, action="append", default=[],
                        help="ts_reference.mjs output, one per TypeScript REPO (in order)")
    args = parser.parse_args(argv)
    results = []
    refs = list(args.ts_reference)
    for repo in args.repos:
        if refs and any(repo.rglob("*.ts")) and not any(python_files(repo)[:1]):
            results.append(evaluate_ts(repo, refs.pop(0), args.sites, args.seed, args.guesses))
        else:
            results.append(evaluate(repo, args.sites, args.seed, args.guesses))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for r in results:
        print(f"{r['repository']}: precision {r['precision']} recall {r['recall']} "
              f"({r['sites']} sites, {r['edges']} edges shown; reference answered "
              f"{r['answered']}/{r['asked']}; index {r['indexSeconds']} s)")
        for kind, k in r["byKind"].items():
            print(f"  {kind:12} sites {k['sites']:4}  recall {k['recall']}  "
                  f"edges {k['edges']:4}  precision {k['precision']}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("MIRA_LOG_LEVEL", "WARNING")
    sys.exit(main())
