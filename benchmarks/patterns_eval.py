"""Design-pattern precision on a labelled set: every detection on whole real repositories,
labelled right or wrong by reading the code (``benchmarks/data/pattern_labels.tsv``).

Each repository's Python, TypeScript, JavaScript and Go files are extracted, their bases
resolved (``Resolver``), and ``patterns.detect`` run on all of them at once, as
``mira patterns`` does. A detection missing from the labels is reported as unlabelled (label
it by reading the code before trusting the numbers).

usage: python -m benchmarks.patterns_eval REPO... [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from mira.core.code.extract import extract
from mira.core.code.indexer import PythonModules
from mira.core.code.languages import spec_for
from mira.core.code.model import PatternMatch, Symbol
from mira.core.code.patterns import detect, subtypes
from mira.core.code.resolve import Resolver

LABELS = Path(__file__).resolve().parent / "data" / "pattern_labels.tsv"
LANGUAGES = ("python", "typescript", "javascript", "go")


def detections(root: Path) -> list[PatternMatch]:
    modules = PythonModules(root)
    resolver = Resolver()
    symbols: list[Symbol] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or "node_modules" in rel or rel.startswith(".") or "/." in rel:
            continue
        spec = spec_for(rel)
        if spec is None or spec.name not in LANGUAGES:
            continue
        index = extract(spec.name, rel, path.read_bytes(),
                        module=modules.module(rel) if spec.name == "python" else None)
        resolver.add_index(index)
        symbols += index.symbols
    return detect(symbols, subtypes(resolver, [s.qualified_name for s in symbols if s.bases]))


def load_labels() -> dict[tuple[str, str, str], bool]:
    out = {}
    for line in LABELS.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        repo, pattern, qualified, label, *_ = line.split("\t")
        out[(repo, pattern, qualified)] = label == "1"
    return out


def evaluate(repos: list[Path]) -> dict[str, Any]:
    labels = load_labels()
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    unlabelled = []
    per_repo: dict[str, list[int]] = {}
    for root in repos:
        for m in detections(root):
            key = (root.name, m.pattern, m.symbol.qualified_name)
            if key not in labels:
                unlabelled.append(" ".join(key))
                continue
            total[m.pattern] += 1
            right[m.pattern] += labels[key]
            counts = per_repo.setdefault(root.name, [0, 0])
            counts[0] += labels[key]
            counts[1] += 1
    n = sum(total.values())
    return {
        "detections": n, "precision": round(sum(right.values()) / n, 3) if n else None,
        "byPattern": {p: {"detections": total[p], "precision": round(right[p] / total[p], 3)}
                      for p in sorted(total)},
        "byRepository": {r: {"detections": c[1], "precision": round(c[0] / c[1], 3)}
                         for r, c in sorted(per_repo.items())},
        "unlabelled": unlabelled,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = evaluate(args.repos)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"precision {result['precision']} over {result['detections']} labelled detections")
    for name, row in result["byPattern"].items():
        print(f"  {name:10} {row['detections']:3}  precision {row['precision']}")
    for name, row in result["byRepository"].items():
        print(f"  {name:10} {row['detections']:3}  precision {row['precision']}")
    if result["unlabelled"]:
        print("unlabelled (read the code, then label):", *result["unlabelled"], sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
