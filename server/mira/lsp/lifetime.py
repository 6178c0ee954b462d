"""How the server process ends, as the LSP specification says it should.

The process ends when the client sends ``exit``, when stdin reaches end of file, when the
process named by ``initialize``'s ``processId`` is gone, and on SIGTERM (editors send it to
stop a server that does not answer). Exit code 0 when ``shutdown`` came
first, else 1.

Why not let pygls end it: at end of input ``asyncio.run`` cancels the tasks and then *waits*
for every worker thread, so a 30-minute embedding pass kept an orphaned server alive at
850 MB. Here ending is bounded: background tasks are cancelled, workspaces get
``CLOSE_TIMEOUT_S`` to close (committed SQLite data is safe either way), child processes
are terminated, and ``os._exit`` ends the process whatever threads still run. A watchdog
thread enforces ``HARD_DEADLINE_S`` even if the event loop is stuck.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
from typing import TYPE_CHECKING

from mira.core import processes

if TYPE_CHECKING:
    from mira.lsp.state import ServerState

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 3.0
HARD_DEADLINE_S = 8.0


class Lifetime:
    """The server's lifecycle flags and its one way out."""

    def __init__(self, state: ServerState) -> None:
        self.state = state  # the workspaces closed on the way out
        self.initialize_received = False
        self.shutdown_received = False
        self.stopping = False
        self._tasks: set[asyncio.Task[None]] = set()  # kept referenced until they end

    @property
    def exit_code(self) -> int:
        return 0 if self.shutdown_received else 1

    # -- the ways out ----------------------------------------------------------------------
    def exit_notification(self) -> None:
        log.info("exit received (after shutdown: %s)", self.shutdown_received)
        self._begin_stop("exit notification")

    def input_closed(self) -> None:
        log.info("the client closed the connection")
        self._begin_stop("end of input")

    def terminated(self) -> None:
        log.info("SIGTERM received")
        self._begin_stop("SIGTERM")

    def watch_client(self, pid: int | None, every_s: float) -> None:
        """Poll the client process given in ``initialize``; stop when it is gone."""
        if not pid or pid == os.getpid():
            return
        self._keep(asyncio.ensure_future(self._poll_client(pid, every_s)))

    async def _poll_client(self, pid: int, every_s: float) -> None:
        while not self.stopping:
            if not processes.pid_alive(pid):
                log.warning("the client process %d is gone; stopping", pid)
                self._begin_stop(f"client process {pid} gone")
                return
            await asyncio.sleep(every_s)

    def _begin_stop(self, reason: str) -> None:
        if self.stopping:
            return
        self.stopping = True
        code = self.exit_code
        watchdog = threading.Timer(HARD_DEADLINE_S, force_exit, args=(code, reason))
        watchdog.daemon = True
        watchdog.start()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            force_exit(code, reason)
            return
        self._keep(loop.create_task(self._stop(code, reason)))

    def _keep(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _stop(self, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(self.state.close_workspaces(), CLOSE_TIMEOUT_S)
        except TimeoutError:
            log.warning("workspaces did not close within %.0fs; exiting anyway",
                        CLOSE_TIMEOUT_S)
        except Exception:
            log.exception("closing the workspaces failed; exiting anyway")
        force_exit(code, reason)


def force_exit(code: int, reason: str) -> None:
    """End child processes, flush the log, end this process now (any thread may call it)."""
    try:
        ended = processes.terminate_descendants()
        log.info("exiting with code %d (%s); %d child process(es) ended", code, reason, ended)
    finally:
        for handler in logging.getLogger().handlers:
            with contextlib.suppress(Exception):
                handler.flush()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        os._exit(code)
