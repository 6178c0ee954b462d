"""Generate a repository with a very long history: a shared history replayed N times.

Each copy lives under its own top-level directory (``copy07/...``) and follows the
previous copy in time, so the result has N times the commits, authors and co-change
structure of the recorded history, with realistic paths and diff sizes (contents are
synthetic, as in ``replay_history.py``).

    python -m benchmarks.big_history ../shared/data/histories/flask.tsv.gz /tmp/big --copies 27
    # 27 x 3,805 = 102,735 commits
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
from pathlib import Path

REPLAY = Path(__file__).resolve().parents[1].parent / "shared" / "tools" / "replay_history.py"


def shifted(history: Path, copies: int, out: Path) -> int:
    """Write the ``copies``-fold history to ``out`` (tsv.gz); returns the commit count."""
    with gzip.open(history, "rt", encoding="utf-8") as f:
        lines = [line.rstrip("\n").split("\t") for line in f]
    times = [int(p[1]) for p in lines if p[0] == "C"]
    span = max(times) - min(times) + 86_400
    commits = 0
    with gzip.open(out, "wt", encoding="utf-8") as f:
        for k in range(copies):
            prefix = f"copy{k:02d}/"
            for parts in lines:
                if parts[0] == "C":
                    commits += 1
                    row = ["C", str(int(parts[1]) + k * span), parts[2], parts[3]]
                elif parts[0] == "F":
                    status, added, deleted, path, *old = parts[1:]
                    row = ["F", status, added, deleted, prefix + path,
                           *[prefix + o for o in old]]
                else:
                    row = parts
                f.write("\t".join(row) + "\n")
    return commits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("history", type=Path)
    ap.add_argument("dest", type=Path)
    ap.add_argument("--copies", type=int, default=27)
    ap.add_argument("--replay", type=Path, default=REPLAY)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        combined = Path(tmp) / "combined.tsv.gz"
        n = shifted(a.history, a.copies, combined)
        print(f"{n} commits -> {a.dest}", file=sys.stderr)
        subprocess.run([sys.executable, str(a.replay), str(combined), str(a.dest)], check=True)


if __name__ == "__main__":
    main()
