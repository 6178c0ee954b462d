"""Core results -> LSP types."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from mira.core.git.cochange import Suggestion
from mira.lsp import protocol


def uri_to_path(uri: str) -> Path | None:
    path = to_fs_path(uri)
    return Path(path) if path else None


def path_to_uri(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).isoformat(timespec="seconds")


def cochange_item(item: Suggestion, repo_root: Path) -> protocol.CochangeItem:
    return protocol.CochangeItem(
        path=item.path,
        uri=path_to_uri(repo_root / item.path),
        confidence=item.confidence,
        shared_commits=item.shared_commits,
        last_changed_together=(iso(item.last_changed_together) or "")
        if item.last_changed_together else "",
        reason=item.reason,
    )


def file_start_range() -> types.Range:
    return types.Range(types.Position(0, 0), types.Position(0, 0))
