"""Bulk embedding in a child process, so the model never competes for the server's GIL.

Why: the first embedding pass of a large repository runs for many minutes; in the
server's own process its tokenizer and numpy work kept the event loop from answering
hovers and chats. The child loads the offline model once, runs at a lower OS priority
(``os.nice``) with ``threads`` intra-op threads (one core is left for requests on a
two-core machine), and receives one batch at a time over a pipe, so the parent can stop
between any two batches (cancellable; the ``embedded`` flags make it resumable).

Invariants: the child dies with the server — it exits when its pipe closes (the parent
exited or was killed), it watches its parent (``processes.worker_init``), and ``close()``
stops it. At most one piece of a batch is in flight (bounded memory).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from mira.core.processes import worker_init
from mira.core.semantic.embedder import EmbedderError, MiniLMEmbedder

log = logging.getLogger(__name__)

CHILD_NICE = 10
BATCH_TIMEOUT_S = 300.0
# A query waits at most this long for the model, then answers with keywords. The child
# takes a bulk batch in pieces of ``BULK_PIECE`` texts (a fraction of a second each), and a
# waiting query goes before the next piece, so it rarely waits for more than one piece.
URGENT_WAIT_S = 0.3
BULK_PIECE = 8


class EmbedderBusy(EmbedderError):
    """The model is busy; the caller answers without vectors this time."""


def default_threads() -> int:
    """Leave one core for requests (at least one thread)."""
    return max(1, (os.cpu_count() or 2) - 1)


def _serve(conn: Connection, threads: int, nice: int, parent: int
           ) -> None:  # pragma: no cover - child
    worker_init(parent)  # exits when the server is gone, even after kill -9
    with contextlib.suppress(OSError):
        os.nice(nice)
    embedder = MiniLMEmbedder(threads)
    while True:
        try:
            texts = conn.recv()
        except (EOFError, OSError):
            return  # the server is gone
        if texts is None:
            return
        try:
            reply: tuple[str, Any] = ("ok", embedder.embed(texts))
        except Exception as exc:  # the parent raises it as EmbedderError
            reply = ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


class ProcessEmbedder:
    """The offline MiniLM model, run in one child process (see the module docstring)."""

    id = MiniLMEmbedder.id  # the same vectors as in-process: stored vectors stay valid
    dimension = MiniLMEmbedder.dimension

    def __init__(self, threads: int | None = None, nice: int = CHILD_NICE) -> None:
        self.threads = threads or default_threads()
        self.nice = nice
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: Connection | None = None
        self._closed = False
        self._urgent = 0
        self._stale = 0  # answers still to come for urgent calls that gave up
        self._urgent_lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _start(self) -> None:
        # spawn, not fork: the server has threads (and an event loop)
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        proc = context.Process(target=_serve,
                               args=(child, self.threads, self.nice, os.getpid()),
                               name="mira-embedder", daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent

    def embed(self, texts: Sequence[str], urgent: bool = False) -> np.ndarray:
        """Vectors of ``texts``. ``urgent`` (a query, a chat turn) goes before the next
        bulk batch and never waits long: when the child is busy or slow (a bulk batch in
        flight on a loaded machine) it raises ``EmbedderBusy`` after ``URGENT_WAIT_S`` and
        the caller answers without vectors (keyword search) instead of hanging."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if urgent:
            with self._urgent_lock:
                self._urgent += 1
            try:
                return self._embed(texts, URGENT_WAIT_S)
            finally:
                with self._urgent_lock:
                    self._urgent -= 1
        pieces = []
        for start in range(0, len(texts), BULK_PIECE):
            while self._urgent:  # a lock is not fair: let the waiting query in first
                time.sleep(0.002)
            pieces.append(self._embed(texts[start:start + BULK_PIECE], None))
        return np.concatenate(pieces)

    def urgent(self) -> UrgentEmbedder:
        return UrgentEmbedder(self)

    def _embed(self, texts: Sequence[str], wait: float | None) -> np.ndarray:
        if not self._lock.acquire(timeout=-1 if wait is None else wait):
            raise EmbedderBusy("the embedding model is busy with a batch")
        try:
            for attempt in range(2):  # a child that died (OOM, killed) is started again once
                if self._closed:
                    raise EmbedderError("the embedding process was stopped")
                if self._proc is None or not self._proc.is_alive():
                    self._stop()
                    self._start()
                assert self._conn is not None
                try:
                    self._drain(wait)
                    self._conn.send(list(texts))
                    if not self._conn.poll(BATCH_TIMEOUT_S if wait is None else wait):
                        if wait is None:
                            raise EmbedderError("the embedding process did not answer in time")
                        self._stale += 1  # its answer comes later: skipped by _drain
                        raise EmbedderBusy("the embedding model is busy")
                    status, value = self._conn.recv()
                except (EOFError, BrokenPipeError, ConnectionResetError) as exc:
                    self._stop()
                    if attempt:
                        raise EmbedderError(f"the embedding process died: {exc}") from exc
                    continue
                if status != "ok":
                    raise EmbedderError(f"embedding failed in the child process: {value}")
                return np.asarray(value, dtype=np.float32)
            raise AssertionError("unreachable")
        finally:
            self._lock.release()

    def _drain(self, wait: float | None) -> None:
        """Skip the late answers of urgent calls that gave up waiting."""
        assert self._conn is not None
        while self._stale:
            if wait is not None:
                raise EmbedderBusy("the embedding model is still busy")
            if not self._conn.poll(BATCH_TIMEOUT_S):
                raise EmbedderError("the embedding process did not answer in time")
            self._conn.recv()
            self._stale -= 1

    def _stop(self) -> None:
        self._stale = 0
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(None)
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            self._proc.join(timeout=2)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(timeout=2)
            self._proc = None

    def close(self) -> None:
        """Stop the child now, even in the middle of a batch (the server is exiting)."""
        self._closed = True
        proc = self._proc
        if proc is not None and proc.is_alive():
            proc.kill()
        with self._lock:
            self._stop()


class UrgentEmbedder:
    """The same child process, for queries and chat turns (ahead of bulk batches): one
    model in the process tree instead of two."""

    def __init__(self, shared: ProcessEmbedder) -> None:
        self.shared = shared
        self.id = shared.id
        self.dimension = shared.dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.shared.embed(texts, urgent=True)
