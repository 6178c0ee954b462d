"""Child processes that never outlive the server."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import sys


def die_with_parent() -> None:
    """In a child: get SIGTERM when the parent dies, even by ``kill -9`` (Linux
    ``PR_SET_PDEATHSIG``; elsewhere children notice a closed pipe instead)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
