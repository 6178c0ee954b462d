"""Co-change and expertise quality on many repositories, one run per repository.

The repositories and their split into a tuning set and a report set are fixed in
``benchmarks/git_eval_sets.json`` (written before any tuning). For each repository
this runs ``cochange_eval`` (last 300 commits held out) and ``expertise_eval`` (last
500) on one loaded history, then prints per-repository rows, the mean and the worst
next to every baseline, and each issue target as met or missed.

usage: python -m benchmarks.git_eval --set report --clones DIR [--json OUT]
       (DIR/<name> is a clone of each repository, e.g. DIR/requests)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import cochange_eval, expertise_eval

SETS = Path(__file__).with_name("git_eval_sets.json")
BASELINES = ("rose", "codemaat", "jaccard")


def repositories(which: str) -> list[dict[str, Any]]:
    data = json.loads(SETS.read_text())
    return list(data[which])


def run_one(clone: Path) -> dict[str, Any]:
    started = time.perf_counter()
    commits = cochange_eval.load_history(clone)
    cochange = cochange_eval.evaluate(clone, 300, commits=commits)
    expertise = expertise_eval.evaluate(clone, 500, commits=commits)
    return {"cochange": cochange, "expertise": expertise,
            "seconds": round(time.perf_counter() - started, 1)}


def summary(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Ratios, means, worst cases and the issue's targets."""
    ratios, hit3, top3_gain, top1_ok = {}, {}, {}, {}
    for name, row in rows.items():
        models = row["cochange"]["models"]
        best = max(models[b]["map@10"] for b in BASELINES)
        ratios[name] = models["mira"]["map@10"] / best if best else 0.0
        hit3[name] = models["mira"]["hit@3"]
        experts = row["expertise"]["models"]
        top3_gain[name] = (experts["mira"]["top3"] - experts["seeds"]["top3"]) * 100
        top1_ok[name] = experts["mira"]["top1"] >= experts["seeds"]["top1"]
    n = len(rows) or 1
    mean_ratio = sum(ratios.values()) / n
    mean_hit3 = sum(hit3.values()) / n
    mean_gain = sum(top3_gain.values()) / n
    return {
        "map_ratio": {k: round(v, 3) for k, v in ratios.items()},
        "map_ratio_mean": round(mean_ratio, 3), "map_ratio_worst": round(min(ratios.values()), 3),
        "hit3_mean": round(mean_hit3, 3), "hit3_worst": round(min(hit3.values()), 3),
        "top3_gain_points": {k: round(v, 1) for k, v in top3_gain.items()},
        "top3_gain_mean": round(mean_gain, 1), "top3_gain_worst": round(min(top3_gain.values()), 1),
        "targets": {
            "cochange MAP@10 >= 1.25x best baseline on average": mean_ratio >= 1.25,
            "cochange MAP@10 >= 1.10x best baseline on every repository":
                min(ratios.values()) >= 1.10,
            "cochange hit@3 >= 0.72 on average": mean_hit3 >= 0.72,
            "expertise top-3 >= seed + 5 points on average": mean_gain >= 5,
            "expertise top-3 >= seed on every repository": min(top3_gain.values()) >= 0,
            "expertise top-1 >= seed top-1 on every repository": all(top1_ok.values()),
        },
    }


def print_tables(rows: dict[str, dict[str, Any]], result: dict[str, Any]) -> None:
    print("## Co-change MAP@10 (hit@3), last 300 commits held out")
    print("| repository | queries | mira | ROSE | code-maat | Jaccard | mira / best |")
    print("|---|---|---|---|---|---|---|")
    for name, row in rows.items():
        m = row["cochange"]["models"]
        cells = " | ".join(f"{m[k]['map@10']:.3f} ({m[k]['hit@3']:.3f})"
                           for k in ("mira", *BASELINES))
        print(f"| {name} | {row['cochange']['queries']} | {cells} | "
              f"{result['map_ratio'][name]:.2f}x |")
    print(f"\nmean ratio {result['map_ratio_mean']}x, worst {result['map_ratio_worst']}x; "
          f"hit@3 mean {result['hit3_mean']}, worst {result['hit3_worst']}\n")
    print("## Expertise top-1 / top-3, last 500 commits held out")
    print("| repository | cases | ceiling | mira | seeds 40/30/30 | most commits | most lines |"
          " most recent | top-3 gain |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, row in rows.items():
        e = row["expertise"]
        m = e["models"]
        cells = " | ".join(f"{m[k]['top1']:.3f} / {m[k]['top3']:.3f}" for k in (
            "mira", "seeds", "most_commits", "most_lines", "most_recent"))
        print(f"| {name} | {e['cases']} | {e['ceiling']} | {cells} | "
              f"{result['top3_gain_points'][name]:+.1f} |")
    print(f"\ntop-3 gain mean {result['top3_gain_mean']:+.1f} points, "
          f"worst {result['top3_gain_worst']:+.1f}\n")
    for target, met in result["targets"].items():
        print(f"- {target}: {'met' if met else 'MISSED'}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("tuning", "report"), required=True)
    parser.add_argument("--clones", type=Path, required=True)
    parser.add_argument("--only", nargs="*", help="repository names to run (default: all)")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args(argv)
    rows: dict[str, dict[str, Any]] = {}
    for entry in repositories(args.set):
        name = entry["repo"].split("/")[-1]
        if args.only and name not in args.only:
            continue
        rows[name] = run_one(args.clones / name)
        print(f"{name}: done in {rows[name]['seconds']} s", file=sys.stderr)
    result = summary(rows)
    if args.json:
        args.json.write_text(json.dumps({"set": args.set, "rows": rows, "summary": result},
                                        indent=1))
    print_tables(rows, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
