"""Bad input for the build runner: huge output, hangs, missing commands, interleaving."""

from __future__ import annotations

import os
import time
from pathlib import Path

from mira.core.build.runner import TRUNCATION_MARK, run_command


def test_gigantic_output_is_streamed_and_capped(tmp_path: Path) -> None:
    # ~100 MB of log lines, with the error at the very end
    script = ("import sys\nline = 'x' * 99 + '\\n'\nfor _ in range(1_000_000): "
              "sys.stdout.write(line)\nprint('src/app.ts(4,7): error TS2345: Boom.')\n")
    (tmp_path / "spam.py").write_text(script)
    seen = [0]

    def on_line(line: str) -> None:
        seen[0] += 1

    out = run_command("python3 spam.py", tmp_path, on_line=on_line,
                      head_bytes=1 << 20, tail_bytes=1 << 20)
    assert out.status == "passed" and out.total_bytes > 100_000_000
    assert out.truncated and TRUNCATION_MARK in out.output
    assert len(out.output) < 3 << 20
    assert out.output.rstrip().endswith("error TS2345: Boom.")
    assert seen[0] == 1_000_001


def test_hanging_command_is_killed_with_its_children(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    started = time.monotonic()
    out = run_command(f"sleep 300 & echo $! > {pidfile}; wait", tmp_path, timeout_s=1.0)
    assert out.status == "timeout" and out.exit_code is None
    assert "timed out" in (out.message or "")
    assert time.monotonic() - started < 10
    child = int(pidfile.read_text())

    def alive() -> bool:
        try:
            os.kill(child, 0)
            return Path(f"/proc/{child}/status").read_text().find("State:\tZ") < 0
        except (ProcessLookupError, FileNotFoundError):
            return False

    deadline = time.monotonic() + 5  # the kill is sent; give the kernel a moment to deliver it
    while alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive()


def test_cancellation(tmp_path: Path) -> None:
    deadline = time.monotonic() + 0.5
    out = run_command("sleep 60", tmp_path, cancelled=lambda: time.monotonic() > deadline)
    assert out.status == "cancelled" and "cancelled" in (out.message or "")


def test_missing_command_is_a_clear_error(tmp_path: Path) -> None:
    out = run_command("definitely-not-a-tool-xyz --flag", tmp_path)
    assert out.status == "error"
    assert out.message == "command not found: definitely-not-a-tool-xyz"
    shell = run_command("true && definitely-not-a-tool-xyz", tmp_path)
    assert shell.status == "error" and "not found" in (shell.message or "")


def test_stderr_and_stdout_are_interleaved_in_order(tmp_path: Path) -> None:
    out = run_command("echo one; echo two >&2; echo three", tmp_path)
    assert out.output.split() == ["one", "two", "three"]
    assert out.status == "passed" and out.exit_code == 0
