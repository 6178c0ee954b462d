"""A bare JSON-RPC client for ``mira serve`` over stdio, the way an editor drives it.

Used by the real-size benchmarks and the reproduction scripts: it records every
notification (``$/progress``, ``window/showMessage``, ``window/logMessage``), answers the
server's requests like a plain editor (``window/workDoneProgress/create`` → null), and
times requests. No pytest-lsp here: a benchmark must not depend on the test harness.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

# the source root of the server to run (another checkout's, to compare two versions)
SERVER_ROOT = Path(os.environ.get("MIRA_BENCH_SERVER")
                   or Path(__file__).resolve().parents[1] / "server")


class RequestError(RuntimeError):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.error = error


class Session:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self._next = 0
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self.notifications: list[tuple[float, str, Any]] = []
        self.progress: dict[str, list[dict[str, Any]]] = {}
        self.titles: dict[str, str] = {}
        self.messages: list[str] = []
        self.started = time.monotonic()
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def start(cls, *, env: dict[str, str] | None = None, nice: int = 0,
                    args: list[str] | None = None) -> Session:
        full = dict(os.environ)
        full["PYTHONPATH"] = str(SERVER_ROOT) + os.pathsep + full.get("PYTHONPATH", "")
        full.update(env or {})
        command = [sys.executable, "-m", "mira", "serve", *(args or [])]
        if nice:
            command = ["nice", "-n", str(nice), *command]
        # MIRA_BENCH_STDERR=FILE keeps the server's log (e.g. with MIRA_LOG_LEVEL=INFO)
        log_file = os.environ.get("MIRA_BENCH_STDERR")
        stderr = open(log_file, "ab") if log_file else asyncio.subprocess.DEVNULL  # noqa: SIM115
        proc = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=stderr, env=full, limit=1 << 26)
        return cls(proc)

    # -- wire --------------------------------------------------------------------------
    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = await stream.readline()
                if not line:
                    for future in self._pending.values():
                        if not future.done():
                            future.set_exception(EOFError("server closed its output"))
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(await stream.readexactly(length))
            self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message and "method" not in message:
            future = self._pending.pop(message["id"], None)
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(RequestError(message["error"]))
                else:
                    future.set_result(message.get("result"))
            return
        method, params = message.get("method"), message.get("params")
        if "id" in message:  # a request from the server: answer like an editor
            self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            return
        now = time.monotonic() - self.started
        self.notifications.append((now, str(method), params))
        if method == "$/progress" and isinstance(params, dict):
            token, value = str(params.get("token")), params.get("value") or {}
            if isinstance(value, dict) and value.get("kind") in ("begin", "report", "end"):
                value = {**value, "t": now}
                self.progress.setdefault(token, []).append(value)
                if value["kind"] == "begin":
                    self.titles[token] = str(value.get("title"))
        elif method == "window/showMessage" and isinstance(params, dict):
            self.messages.append(str(params.get("message")))

    async def request(self, method: str, params: Any, timeout: float = 600.0) -> Any:
        self._next += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[self._next] = future
        self._send({"jsonrpc": "2.0", "id": self._next, "method": method, "params": params})
        return await asyncio.wait_for(future, timeout)

    async def timed(self, method: str, params: Any, timeout: float = 600.0
                    ) -> tuple[float, Any]:
        started = time.perf_counter()
        result = await self.request(method, params, timeout)
        return time.perf_counter() - started, result

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    # -- lifecycle ---------------------------------------------------------------------
    async def initialize(self, folder: Path, options: dict[str, Any] | None = None) -> Any:
        result = await self.request("initialize", {
            "processId": os.getpid(), "rootUri": folder.as_uri(),
            "workspaceFolders": [{"uri": folder.as_uri(), "name": folder.name}],
            "capabilities": {"window": {"workDoneProgress": True},
                             "workspace": {"workspaceFolders": True}},
            "initializationOptions": options or {}})
        self.started = time.monotonic()
        self.notify("initialized", {})
        return result

    def open(self, path: Path, language: str = "python") -> str:
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": language, "version": 1,
            "text": path.read_text(encoding="utf-8", errors="replace")}})
        return uri

    def phases(self) -> dict[str, dict[str, Any]]:
        """Each work-done progress title → begin/end times and its last message."""
        out: dict[str, dict[str, Any]] = {}
        for token, values in self.progress.items():
            title = self.titles.get(token, token)
            begin = next((v["t"] for v in values if v["kind"] == "begin"), None)
            end = next((v for v in values if v["kind"] == "end"), None)
            out.setdefault(title, {"runs": 0})
            out[title]["runs"] += 1
            out[title]["first_begin"] = min(out[title].get("first_begin", begin or 0),
                                            begin or 0)
            if end is not None:
                out[title]["last_end"] = end["t"]
                out[title]["end_message"] = end.get("message")
        return out

    async def close(self, timeout: float = 30.0) -> int | None:
        try:
            await self.request("shutdown", None, timeout=timeout)
            self.notify("exit", None)
        except (TimeoutError, EOFError, RequestError, ConnectionError):
            pass
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            return await self.proc.wait()
        finally:
            self._reader.cancel()


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants (Linux /proc), in MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo += children.get(current, [])
    return total / 1e6
