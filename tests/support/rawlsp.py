"""A raw JSON-RPC client for the server over stdio, for what pytest-lsp cannot express.

Sends any bytes (null params, requests before ``initialize``, no ``exit``), answers the
server's own requests with whatever a test wants (``null``, an error), and watches the
process and its children end.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from mira.core.processes import descendants, pid_alive
from tests.support.lsp import server_env

Answer = Callable[[dict[str, Any]], dict[str, Any]]  # server request -> {"result"/"error": …}


def frame(message: dict[str, Any] | bytes) -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream: IO[bytes]) -> dict[str, Any] | None:
    headers = b""
    while not headers.endswith(b"\r\n\r\n"):
        byte = stream.read(1)
        if not byte:
            return None
        headers += byte
    length = int(headers.split(b"Content-Length:")[1].split(b"\r\n")[0])
    return dict(json.loads(stream.read(length)))


class RawServer:
    """``mira serve`` as a child process, spoken to in raw JSON-RPC."""

    def __init__(self, cwd: Path, answers: dict[str, Answer] | None = None,
                 **env: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mira", "serve"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=server_env(**env), cwd=cwd)
        self.answers = answers or {}
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self.server_requests: list[dict[str, Any]] = []
        self.stderr = b""
        self._ids = iter(range(1, 1 << 30))
        self._write_lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    # -- sending ---------------------------------------------------------------------------
    def send(self, message: dict[str, Any] | bytes) -> None:
        assert self.proc.stdin is not None
        with self._write_lock:
            self.proc.stdin.write(frame(message))
            self.proc.stdin.flush()

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any = None, timeout: float = 30.0,
                omit_params: bool = False) -> dict[str, Any]:
        """Send a request; its whole response (``result`` or ``error``)."""
        rid = next(self._ids)
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if not omit_params:
            message["params"] = params
        self.send(message)
        return self.response(rid, timeout)

    def response(self, rid: int | str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        pending: list[dict[str, Any]] = []
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no response to request {rid} within {timeout}s")
                try:
                    message = self.inbox.get(timeout=left)
                except queue.Empty:
                    continue
                if message.get("id") == rid:
                    return message
                pending.append(message)
        finally:
            for message in pending:
                self.inbox.put(message)

    def initialize(self, folder: Path, options: dict[str, Any] | None = None,
                   process_id: int | None = None) -> dict[str, Any]:
        reply = self.request("initialize", {
            "processId": process_id, "rootUri": folder.as_uri(),
            "workspaceFolders": [{"uri": folder.as_uri(), "name": folder.name}],
            "capabilities": {"window": {"workDoneProgress": True,
                                        "showDocument": {"support": True}},
                             "workspace": {"applyEdit": True}},
            "initializationOptions": options or {}})
        self.notify("initialized", {})
        return reply

    def wait_status(self, predicate: Callable[[dict[str, Any]], bool],
                    timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            status = self.request("mira/status", {})["result"]
            if predicate(status):
                return dict(status)
            if time.monotonic() > deadline:
                raise AssertionError(f"status not reached within {timeout}s: {status}")
            time.sleep(0.2)

    def messages_shown(self) -> list[str]:
        return [n["params"]["message"] for n in self.notifications
                if n.get("method") == "window/showMessage"]

    # -- the process -----------------------------------------------------------------------
    def close_stdin(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    def children(self) -> list[int]:
        return descendants(self.proc.pid)

    def wait_exit(self, timeout: float) -> int:
        return self.proc.wait(timeout)

    def kill(self) -> None:
        for pid in self.children():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    # -- reading ---------------------------------------------------------------------------
    def _read(self) -> None:
        assert self.proc.stdout is not None
        while True:
            try:
                message = read_message(self.proc.stdout)
            except (ValueError, OSError):
                return
            if message is None:
                return
            if "method" in message and "id" in message:
                self.server_requests.append(message)
                self._answer(message)
            elif "method" in message:
                self.notifications.append(message)
            else:
                self.inbox.put(message)

    def _answer(self, message: dict[str, Any]) -> None:
        answer = self.answers.get(message["method"])
        reply = answer(message) if answer else {"result": None}
        with contextlib.suppress(BrokenPipeError, ValueError, OSError):
            self.send({"jsonrpc": "2.0", "id": message["id"], **reply})

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr += line


def all_gone(pids: list[int]) -> bool:
    return not any(pid_alive(p) for p in pids)
