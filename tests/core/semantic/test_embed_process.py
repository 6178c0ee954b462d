"""The embedding child process: same vectors as in-process, dies with its parent, and a
query never waits long behind a bulk batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mira.core.semantic.embed_process import BULK_PIECE, EmbedderBusy, ProcessEmbedder
from mira.core.semantic.embedder import MiniLMEmbedder

ROOT = Path(__file__).resolve().parents[3]
TEXTS = ["def parse(config): return load(config)", "Fix the cache key", "x"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purpose
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_child_vectors_equal_in_process_vectors_and_queries_do_not_wait() -> None:
    child = ProcessEmbedder(threads=1)
    try:
        got = child.embed(TEXTS)
        want = MiniLMEmbedder(threads=1).embed(TEXTS)
        assert got.shape == (3, 384)
        assert np.allclose(got, want, atol=1e-5)
        assert child.pid is not None and child.pid != os.getpid()
        child._lock.acquire()  # a bulk batch in flight
        try:
            started = time.monotonic()
            with pytest.raises(EmbedderBusy):
                child.urgent().embed(["a query"])
            assert time.monotonic() - started < 5
        finally:
            child._lock.release()
        assert child.urgent().embed(["a query"]).shape == (1, 384)  # free again
        # a bulk batch goes over in pieces (a query can go between two): same vectors, order
        many = [f"{text} {i}" for i in range(BULK_PIECE * 2 + 3) for text in TEXTS[:1]]
        assert np.allclose(child.embed(many), MiniLMEmbedder(threads=1).embed(many),
                           atol=1e-5)
    finally:
        child.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl")
def test_the_child_dies_when_the_server_is_killed() -> None:
    script = ("import sys; from mira.core.semantic.embed_process import ProcessEmbedder;"
              "e = ProcessEmbedder(threads=1); e.embed(['warm']); print(e.pid, flush=True);"
              "import time; time.sleep(600)")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              env=env, text=True)
    try:
        assert server.stdout is not None
        child = int(server.stdout.readline())
        assert _alive(child)
        server.send_signal(signal.SIGKILL)
        server.wait()
        deadline = time.monotonic() + 20
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child), "the embedding child outlived the server"
    finally:
        if server.poll() is None:
            server.kill()


def test_a_batch_is_embedded_in_runs_under_the_token_budget_in_order() -> None:
    """A caller's batch of long and short texts is cut into runs of similar length under
    ``RUN_TOKENS`` (bounded memory); every vector is the one of its own text, in order."""
    from mira.core.semantic import embedder as embedder_module

    model = MiniLMEmbedder(1)
    long_text = "def handler(request, response):\n    return render(request) " * 20
    texts = [f"short text {i}" if i % 3 else f"{long_text} {i}" for i in range(30)]
    runs: list[int] = []
    real_run = model._run

    def counting(part: list[str]) -> np.ndarray:
        runs.append(len(part))
        return real_run(part)

    model._run = counting  # type: ignore[method-assign]
    together = model.embed(texts)
    assert len(runs) > 1 and sum(runs) == len(texts)
    assert max(runs) * embedder_module.MAX_TOKENS > embedder_module.RUN_TOKENS  # short: many
    alone = np.stack([real_run([t])[0] for t in texts])
    assert (together * alone).sum(axis=1).min() > 0.999
