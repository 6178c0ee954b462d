"""Running the ``mira`` command as a user does: a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.lsp import server_env


def mira(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m mira ARGS`` in ``cwd`` with the test server environment plus ``env``."""
    full = server_env(**(env or {}))
    full.pop("MIRA_LOG_LEVEL", None)
    return subprocess.run([sys.executable, "-m", "mira", *args], cwd=cwd, env=full, input=stdin,
                          capture_output=True, text=True, timeout=timeout)
