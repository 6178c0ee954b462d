"""The server's child processes: finding them, ending them, and children that end themselves.

Why this exists: heavy work (tree-sitter bulk parsing, git log, embedding) runs in child
processes, and a child must never outlive the server. Two mechanisms cover the two ways a
server ends:

- The server ends itself (stdin closed, ``exit``, the editor's process gone):
  ``terminate_descendants`` sends SIGTERM to every descendant, waits a little, then SIGKILL.
- The server is killed outright (SIGKILL, a crash): nothing in the server runs any more,
  so long-lived children watch their parent themselves — ``worker_init`` (pass it as the
  ``initializer`` of a process pool with ``initargs=(os.getpid(),)``, or call it first
  thing in a child's main) starts a
  daemon thread that exits the child as soon as it has been re-parented.

Linux reads ``/proc``; elsewhere ``descendants`` finds nothing and only the children's own
watch applies.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

PARENT_POLL_S = 1.0
_PROC = Path("/proc")
T = TypeVar("T")


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (an exited, unreaped process)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return _state(pid) not in ("Z", "X")


def _state(pid: int) -> str | None:
    stat = _read_stat(pid)
    return stat[0] if stat else None


def _read_stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) from ``/proc/<pid>/stat``; None when unavailable."""
    try:
        text = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # "pid (comm) S ppid ..." — comm may contain spaces and parentheses: split after the last ')'
    fields = text[text.rfind(")") + 2:].split()
    if len(fields) < 2:
        return None
    try:
        return fields[0], int(fields[1])
    except ValueError:
        return None


def descendants(pid: int | None = None) -> list[int]:
    """Every live descendant of ``pid`` (default: this process), children first."""
    root = os.getpid() if pid is None else pid
    if not _PROC.is_dir():
        return []
    children: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        stat = _read_stat(int(entry.name))
        if stat is not None:
            children.setdefault(stat[1], []).append(int(entry.name))
    found: list[int] = []
    frontier = [root]
    while frontier:
        nxt: list[int] = []
        for parent in frontier:
            for child in children.get(parent, []):
                if child not in found:
                    found.append(child)
                    nxt.append(child)
        frontier = nxt
    return found


def _signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, sig)


def terminate_descendants(grace_s: float = 1.0) -> int:
    """SIGTERM every descendant, SIGKILL what is left after ``grace_s``; how many there were.

    Descendants are collected before any is signalled, so grandchildren re-parented when
    their parent dies are ended too.
    """
    pids = descendants()
    if not pids:
        return 0
    _signal_all(pids, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        _reap()
        if not any(pid_alive(p) for p in pids):
            return len(pids)
        time.sleep(0.05)
    _signal_all([p for p in pids if pid_alive(p)], signal.SIGKILL)
    _reap()
    return len(pids)


def _reap() -> None:
    """Collect exited children so they do not linger as zombies."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        except OSError:
            return
        if pid == 0:
            return


def worker_init(parent: int | None = None) -> None:
    """Run in a child process: end it when its parent (the server) is gone.

    A process pool's worker blocks reading its task queue and would otherwise wait
    forever after the server was killed with SIGKILL. Pass the server's pid
    (``initargs=(os.getpid(),)``): a worker still importing when the server died has
    already been re-parented by the time this runs.
    """
    parent = os.getppid() if parent is None else parent

    def watch() -> None:
        while True:
            if os.getppid() != parent or not pid_alive(parent):
                os._exit(0)
            time.sleep(PARENT_POLL_S)

    threading.Thread(target=watch, name="mira-parent-watch", daemon=True).start()


# -- streaming a generator from a child process ---------------------------------------------
STREAM_PIECE = 100  # items per message: few round trips, a bounded amount in flight
CHILD_NICE = 10


class ChildFailed(RuntimeError):
    """The child producing a stream died or raised something that could not be sent."""


def stream_from_child(produce: Callable[..., Iterator[T]], *args: Any
                      ) -> Generator[T, None, None]:
    """The items of ``produce(*args)``, computed in a niced child process.

    Why: parsing ``git log`` output (the git index, fix mining) is pure Python; in the
    server's process it took the GIL from the threads answering hovers. The child sends
    ``STREAM_PIECE`` items at a time and blocks while the pipe is full, so at most a piece
    or two is in flight (bounded memory). ``produce`` must be a module-level function and
    its arguments and items picklable. An exception raised in the child is raised here;
    closing the iterator early (cancellation) kills the child. The child watches the
    server (``worker_init``) and dies with it.
    """
    context = multiprocessing.get_context("spawn")  # the server has threads
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_produce, args=(send, produce, args, os.getpid()),
                            name="mira-stream", daemon=True)
    child.start()
    send.close()
    finished = False
    try:
        while True:
            try:
                kind, value = receive.recv()
            except EOFError as exc:
                raise ChildFailed(f"{getattr(produce, '__name__', produce)} stopped in its"
                                  f" child process (exit code {child.exitcode})") from exc
            if kind == "items":
                yield from value
            elif kind == "error":
                raise value
            else:
                finished = True
                return
    finally:
        receive.close()
        if not finished and child.is_alive():
            child.kill()
        child.join(timeout=5)


def _produce(send: Any, produce: Callable[..., Iterator[Any]], args: tuple[Any, ...],
             parent: int) -> None:  # pragma: no cover - runs in the child
    worker_init(parent)
    with contextlib.suppress(OSError):
        os.nice(CHILD_NICE)
    try:
        piece: list[Any] = []
        for item in produce(*args):
            piece.append(item)
            if len(piece) >= STREAM_PIECE:
                send.send(("items", piece))
                piece = []
        send.send(("items", piece))
        send.send(("done", None))
    except (BrokenPipeError, EOFError):
        return  # the reader stopped early
    except Exception as exc:
        try:
            send.send(("error", exc))
        except Exception:
            send.send(("error", ChildFailed(f"{type(exc).__name__}: {exc}")))
    finally:
        send.close()
