"""Run every index phase of a workspace in order, as the server does (no embeddings).

``python -m tests.support.index_all REPO DATA_DIR`` — used by the kill -9 tests: the
process is killed in a phase, run again, and its tables compared with a fresh index.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from mira.core.code.service import CodeService
from mira.core.config import MiraConfig
from mira.core.semantic.service import SearchService
from mira.core.workspace import Workspace


def main(repo: str, data: str) -> None:
    ws = Workspace(Path(repo), MiraConfig(data_dir=data, semantic_enabled=False))
    ws.open()
    ws.index_git()
    print("git done", flush=True)
    ws.service(CodeService).index()
    print("code done", flush=True)
    ws.service(SearchService).sync()
    print("chunks done", flush=True)
    asyncio.run(ws.close())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
