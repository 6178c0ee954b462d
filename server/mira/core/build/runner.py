"""Running a build command: own process group, timeout, cancellation, capped output.

Output is read in chunks as it arrives (stdout and stderr merged in the order the
process wrote them) and handed to a line callback for streaming. Only the first
``head_bytes`` and the last ``tail_bytes`` are kept, so a command printing 100 MB
of logs never has its output held in memory; the errors that matter are at the
start (the first failure) and at the end (pytest's and cargo's summaries).
"""

from __future__ import annotations

import codecs
import os
import selectors
import shlex
import shutil
import signal
import subprocess
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

LineFn = Callable[[str], None]
CancelFn = Callable[[], bool]
TRUNCATION_MARK = "\n[... output truncated by Mira ...]\n"


@dataclass
class RunOutput:
    command: str
    exit_code: int | None
    status: str  # passed | failed | timeout | cancelled | error
    duration_s: float
    output: str
    total_bytes: int
    truncated: bool
    message: str | None = None


def missing_program(command: str, cwd: Path) -> str | None:
    """The program a simple command would run, when it does not exist."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        return f"cannot parse the command: {exc}"
    if not words or any(ch in command for ch in "|&;<>()$`") or "=" in words[0]:
        return None  # a shell construct: let the shell report
    program = words[0]
    if "/" in program:
        target = (cwd / program) if not os.path.isabs(program) else Path(program)
        return None if target.exists() else program
    return None if shutil.which(program) else program


class _Capture:
    def __init__(self, head_bytes: int, tail_bytes: int) -> None:
        self.head = bytearray()
        self.tail: deque[bytes] = deque()
        self.tail_size = 0
        self.head_bytes = head_bytes
        self.tail_bytes = tail_bytes
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.head_bytes - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail.append(chunk)
            self.tail_size += len(chunk)
            while self.tail and self.tail_size - len(self.tail[0]) >= self.tail_bytes:
                self.tail_size -= len(self.tail.popleft())

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + self.tail_size

    def text(self) -> str:
        head = bytes(self.head).decode("utf-8", "replace")
        tail = b"".join(self.tail)
        if self.truncated:
            cut = tail.find(b"\n")
            tail = tail[cut + 1:] if cut >= 0 else tail
            return head + TRUNCATION_MARK + tail.decode("utf-8", "replace")
        return head + tail.decode("utf-8", "replace")


def run_command(command: str, cwd: Path, *, timeout_s: float = 600.0,
                on_line: LineFn | None = None, cancelled: CancelFn | None = None,
                head_bytes: int = 4 << 20, tail_bytes: int = 1 << 20,
                env: Mapping[str, str] | None = None,
                base_env: Mapping[str, str] | None = None) -> RunOutput:
    """Run ``command`` through ``/bin/sh`` in ``cwd``; never raises for the command's faults.

    The environment is ``base_env`` (default: this process's) plus ``env``. A timeout or
    cancellation kills the whole process group, grandchildren included."""
    started = time.monotonic()
    missing = missing_program(command, cwd)
    if missing is not None:
        problem = (missing if missing.startswith("cannot parse")
                   else f"command not found: {missing}")
        return RunOutput(command, None, "error", 0.0, "", 0, False, problem)
    try:
        proc = subprocess.Popen(
            ["/bin/sh", "-c", command], cwd=cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            env={**(os.environ if base_env is None else base_env), **(env or {})})
    except OSError as exc:
        return RunOutput(command, None, "error", time.monotonic() - started, "", 0, False,
                         f"cannot start the command: {exc}")
    capture = _Capture(head_bytes, tail_bytes)
    lines = _LineSplitter(on_line) if on_line else None
    status: str | None = None
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    try:
        while True:
            if time.monotonic() - started > timeout_s:
                status = "timeout"
                break
            if cancelled is not None and cancelled():
                status = "cancelled"
                break
            if not selector.select(0.1):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            capture.feed(chunk)
            if lines is not None:
                lines.feed(chunk)
    finally:
        selector.close()
        if status is not None:
            _kill_group(proc)
        proc.stdout.close()
    exit_code = proc.wait()
    if lines is not None:
        lines.close()
    duration = time.monotonic() - started
    message: str | None = None
    if status == "timeout":
        message = f"timed out after {timeout_s:g} s; the process group was killed"
        exit_code_out: int | None = None
    elif status == "cancelled":
        message = "cancelled; the process group was killed"
        exit_code_out = None
    else:
        exit_code_out = exit_code
        status = "passed" if exit_code == 0 else "failed"
        if exit_code == 127 and b"not found" in bytes(capture.head[-2000:]) + b"".join(
                capture.tail)[-2000:]:
            status, message = "error", "command not found (the shell exited with 127)"
    return RunOutput(command, exit_code_out, status, duration, capture.text(), capture.total,
                     capture.truncated, message)


class _LineSplitter:
    """Incremental UTF-8 decoding into lines for the streaming callback."""

    def __init__(self, on_line: LineFn) -> None:
        self.on_line = on_line
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.partial = ""

    def feed(self, chunk: bytes) -> None:
        text = self.partial + self.decoder.decode(chunk)
        *done, self.partial = text.split("\n")
        for line in done:
            self.on_line(line[:10_000])
        if len(self.partial) > 100_000:  # a "line" without end: flush it in pieces
            self.on_line(self.partial[:10_000])
            self.partial = ""

    def close(self) -> None:
        if self.partial:
            self.on_line(self.partial[:10_000])


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            # the leader is gone; make sure no child survives it
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue
        return
