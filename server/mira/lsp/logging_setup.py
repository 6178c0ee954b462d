"""Logging to stderr (the client shows it as the server log); never stdout (the protocol)."""

from __future__ import annotations

import logging
import sys


def setup(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    set_level(level)


def set_level(level: str) -> None:
    logging.getLogger().setLevel(level.upper())
    # pygls logs every message at DEBUG/INFO; keep it quiet unless asked.
    logging.getLogger("pygls").setLevel(max(logging.WARNING, logging.getLogger().level))
