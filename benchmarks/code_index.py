"""Code intelligence speed: bulk index vs universal-ctags, re-index of a saved file,
``didChange`` on an open buffer, ``workspace/symbol`` latency.

- bulk: ``CodeService.index()`` (elements + calls + concepts, stored in SQLite, process
  pool) against ``ctags -R --languages=Python`` on the same tree, alternated ``--repeat``
  times in one run; medians and their ratio (target: at most 10 times); peak RSS of the main process
  and of the largest worker.
- re-index of one 2,000-line file changed on disk (``index_paths``, warm server; target
  ≤ 30 ms): changed again (its tree kept from the last re-index) and a first change (no
  tree kept: full parse and extraction).
- ``didChange`` on a 2,000-line buffer: a one-line edit to updated elements
  (``update_buffer``, incremental re-parse; target ≤ 10 ms).
- ``workspace/symbol`` p95 over random queries on ≥ 100k symbols (target ≤ 50 ms).

usage: python -m benchmarks.code_index [--tree PATH] [--extra PATH...] [--repeat 1] [--json]
(default tree: a copy of the running Python's standard library without site-packages)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from mira.core.code.service import CodeService
from mira.core.config import MiraConfig
from mira.core.workspace import Workspace


def stdlib_copy(target: Path) -> Path:
    """The standard library's ``.py`` files (no site-packages), copied to ``target``."""
    source = Path(sysconfig.get_paths()["stdlib"])
    for path in source.rglob("*.py"):
        rel = path.relative_to(source)
        if rel.parts[0] == "site-packages" or path.is_symlink():
            continue
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    return target


def count_lines(tree: Path, suffixes: tuple[str, ...]) -> tuple[int, int]:
    files = lines = 0
    for path in tree.rglob("*"):
        if path.suffix in suffixes and path.is_file() and not path.is_symlink():
            files += 1
            with path.open("rb") as handle:
                lines += sum(1 for _ in handle)
    return files, lines


def time_ctags(tree: Path, language: str) -> float:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run(["ctags", "-R", f"--languages={language}", "-f", f"{out}/tags",
                        str(tree)], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started


def time_mira(tree: Path, data: Path) -> tuple[float, dict[str, object], Workspace]:
    """The bulk index in a process of its own: its peak RSS and its workers' are its own."""
    shutil.rmtree(data, ignore_errors=True)
    out = subprocess.run([sys.executable, "-m", "benchmarks.code_index", "--bulk-only",
                          str(tree), str(data)], check=True, capture_output=True, text=True)
    info = json.loads(out.stdout)
    ws = Workspace(tree, MiraConfig(data_dir=str(data), nested_repo_depth=0))
    ws.open()
    return float(info.pop("seconds")), info, ws


def bulk_only(tree: Path, data: Path) -> None:
    ws = Workspace(tree, MiraConfig(data_dir=str(data), nested_repo_depth=0))
    started = time.perf_counter()
    ws.open()
    report = ws.service(CodeService).index()
    seconds = time.perf_counter() - started
    print(json.dumps({
        "seconds": seconds, "parsed_files": report.parsed, "symbols": report.symbols,
        "calls": report.calls, "skipped": report.skipped,
        "peak_rss_main_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_rss_largest_worker_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}))


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def big_file(lines: int = 2000) -> str:
    out = ['"""A generated module of about 2,000 lines."""', "import os", ""]
    i = 0
    while len(out) < lines - 12:
        out += [f"class Widget{i}(Base):", f'    """Widget number {i}."""', "",
                f"    def render_{i}(self, value):", f"        self.check_{i}(value)",
                f"        return helper_{i}(os.path.join('a', str(value)))", "",
                f"    def check_{i}(self, value):", "        return value is not None", "", "",
                f"def helper_{i}(x):", f"    return Widget{i}().render_{i}(x)", "", ""]
        i += 1
    return "\n".join(out[:lines]) + "\n"


def reindex_and_did_change(ws: Workspace, runs: int = 30) -> dict[str, object]:
    service = ws.service(CodeService)
    path = ws.root / "mira_bench_big.py"
    text = big_file()
    path.write_text(text)
    service.index_paths([path])  # first time: resolver load etc. not counted
    saves = []
    for k in range(runs):
        path.write_text(text.replace("value is not None", f"value != {k}", 1))
        started = time.perf_counter()
        service.index_paths([path])
        saves.append(time.perf_counter() - started)
    # a file changed on disk whose tree is not kept (the first change in a while)
    cold = []
    for k in range(runs):
        path.write_text(text.replace("value is not None", f"value == {k}", 1))
        service.buffers.recent.clear()
        started = time.perf_counter()
        service.index_paths([path])
        cold.append(time.perf_counter() - started)
    # an editor's save: the open buffer already holds the file's elements
    service.update_buffer(path, text)
    buffered = []
    for k in range(runs):
        edited = text.replace("value is not None", f"value == {k}", 1)
        service.update_buffer(path, edited)
        path.write_text(edited)
        started = time.perf_counter()
        service.index_paths([path])
        buffered.append(time.perf_counter() - started)
    service.update_buffer(path, text)
    changes = []
    lines = text.splitlines(keepends=True)
    rng = random.Random(1)
    for k in range(runs * 3):
        at = rng.randrange(len(lines))
        lines[at] = lines[at].rstrip("\n") + f"  # edit {k}\n"
        new = "".join(lines)
        started = time.perf_counter()
        service.update_buffer(path, new)
        changes.append(time.perf_counter() - started)
    path.unlink()
    service.index_paths([path])
    return {"file_lines": len(text.splitlines()),
            "reindex_ms_median": _ms(saves, 0.5), "reindex_ms_p95": _ms(saves, 0.95),
            "reindex_first_change_ms_median": _ms(cold, 0.5),
            "reindex_first_change_ms_p95": _ms(cold, 0.95),
            "save_of_open_buffer_ms_median": _ms(buffered, 0.5),
            "save_of_open_buffer_ms_p95": _ms(buffered, 0.95),
            "did_change_ms_median": _ms(changes, 0.5), "did_change_ms_p95": _ms(changes, 0.95)}


def workspace_symbols(ws: Workspace, queries: int = 300, min_symbols: int = 100_000
                      ) -> dict[str, object]:
    service = ws.service(CodeService)
    conn = service._conn()
    count = conn.execute("SELECT COUNT(*) FROM code_symbols WHERE kind != 'module'").fetchone()[0]
    if count < min_symbols:  # top up with generated symbols to reach the target size
        path = ws.root / "mira_bench_symbols.py"
        extra = min_symbols - count
        path.write_text("".join(f"def generated_{i}_{chr(97 + i % 26)}x():\n    pass\n"
                                for i in range(extra)))
        ws.config.code_max_file_bytes = 100_000_000
        service.index_paths([path])
        count = conn.execute("SELECT COUNT(*) FROM code_symbols WHERE kind != 'module'"
                             ).fetchone()[0]
    names = [r[0] for r in conn.execute("SELECT name FROM code_symbols WHERE kind != 'module'")]
    rng = random.Random(7)
    sample = []
    for _ in range(queries):
        name = rng.choice(names)
        size = rng.randint(2, 8)
        start = rng.randrange(max(1, len(name) - size + 1))
        fragment = name[start:start + size]
        if rng.random() < 0.3:  # scattered letters, as people type abbreviations
            fragment = "".join(rng.sample(list(name), min(len(name), 3)))
        sample.append(fragment)
    started = time.perf_counter()
    service._workspace_symbols("warmup", 100)  # builds the in-memory name index
    build = time.perf_counter() - started
    times = []
    for q in sample:
        started = time.perf_counter()
        service._workspace_symbols(q, 100)
        times.append(time.perf_counter() - started)
    # the first query after a file changed (the name index is updated for that file)
    changed = ws.root / "mira_bench_changed.py"
    after_change = []
    for k in range(20):
        changed.write_text("".join(f"def changed_{k}_{i}():\n    pass\n" for i in range(50)))
        service.index_paths([changed])
        started = time.perf_counter()
        service._workspace_symbols(sample[k], 100)
        after_change.append(time.perf_counter() - started)
    changed.unlink()
    service.index_paths([changed])
    return {"symbols": count, "queries": len(sample), "index_build_ms": round(build * 1000, 1),
            "p50_ms": _ms(times, 0.5), "p95_ms": _ms(times, 0.95), "max_ms": _ms(times, 1.0),
            "first_query_after_a_file_change_ms_median": _ms(after_change, 0.5),
            "first_query_after_a_file_change_ms_max": _ms(after_change, 1.0)}


def bulk(tree: Path, language: str, suffixes: tuple[str, ...], repeat: int
         ) -> tuple[dict[str, object], Workspace, Path]:
    files, lines = count_lines(tree, suffixes)
    load = os.getloadavg()[0]  # other work on this machine skews timings
    data = Path(tempfile.mkdtemp(prefix="mira-code-bench-"))
    ctags_times, mira_times = [], []
    info: dict[str, object] = {}
    ws: Workspace | None = None
    for _ in range(repeat):
        ctags_times.append(time_ctags(tree, language))
        seconds, info, ws = time_mira(tree, data)
        mira_times.append(seconds)
    assert ws is not None
    ctags_s, mira_s = statistics.median(ctags_times), statistics.median(mira_times)
    return {"tree": str(tree), "language": language, "files": files, "lines": lines,
            "load_average_before": round(load, 2),
            "ctags_s": round(ctags_s, 3), "mira_s": round(mira_s, 3),
            "ratio": round(mira_s / ctags_s, 2), **info}, ws, data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, help="a Python tree (default: the stdlib)")
    parser.add_argument("--extra", nargs="*", default=[], metavar="LANG=PATH",
                        help="more trees to bulk-index, e.g. TypeScript=~/src/app")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--bulk-only", nargs=2, type=Path, metavar=("TREE", "DATA"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bulk_only:
        bulk_only(*args.bulk_only)
        return 0
    if shutil.which("ctags") is None:
        print("universal-ctags is required (apt-get install universal-ctags)", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="mira-code-tree-"))
    try:
        tree = args.tree or stdlib_copy(scratch / "stdlib")
        result, ws, data = bulk(tree, "Python", (".py",), args.repeat)
        result["cpus"] = os.cpu_count()
        result["edit"] = reindex_and_did_change(ws)
        result["workspace_symbol"] = workspace_symbols(ws)
        shutil.rmtree(data, ignore_errors=True)
        extras = []
        suffixes = {"TypeScript": (".ts", ".tsx"), "Rust": (".rs",), "Go": (".go",),
                    "JavaScript": (".js",), "Java": (".java",), "C": (".c", ".h")}
        for spec in args.extra:
            language, _, path = spec.partition("=")
            extra, _, extra_data = bulk(Path(path).expanduser(), language,
                                        suffixes.get(language, (".x",)), args.repeat)
            shutil.rmtree(extra_data, ignore_errors=True)
            extras.append(extra)
        result["extra_trees"] = extras
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        print(json.dumps(result))
    else:
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
