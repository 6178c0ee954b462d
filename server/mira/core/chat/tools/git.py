"""Git tools: the log, one commit, the uncommitted diff — secret files never shown."""

from __future__ import annotations

import re
from typing import Any

from mira.core.chat.tools.box import INT, STR, Tool, ToolBase, ToolError, ToolOutput, obj_schema

_REV = re.compile(r"^[0-9A-Za-z_][0-9A-Za-z_./~^@{}-]{0,99}$")


class GitTools(ToolBase):
    def _git_tools(self) -> list[Tool]:
        return [
            Tool("git_log", "Recent commits, optionally of one path.",
                 obj_schema(path=STR, limit=INT), self._git_log),
            Tool("git_show", "One commit: message, changed files and diff.",
                 obj_schema(["commit"], commit=STR), self._git_show),
            Tool("git_diff", "Uncommitted changes (or staged with staged=true), optionally of"
                 " one path.", obj_schema(path=STR, staged={"type": "boolean"}), self._git_diff),
        ]

    def _rev(self, raw: Any) -> str:
        rev = str(raw or "").strip()
        if not _REV.match(rev) or ".." in rev:
            raise ToolError(f"not a commit: {rev!r}")
        return rev

    async def _git_log(self, args: dict[str, Any]) -> ToolOutput:
        limit = min(max(int(args.get("limit") or 15), 1), 100)
        cmd = ["log", f"-{limit}", "--date=short", "--format=%h %ad %an: %s"]
        if args.get("path"):
            path, _ = self.resolve(args["path"], must_exist=False)
            root = self._repo_root(path)
            cmd += ["--follow", "--", path.relative_to(root).as_posix()]
        else:
            root = self._repo_root()
        code, out = await self._git(root, cmd)
        if code != 0:
            raise ToolError(out.strip()[:300] or "git log failed")
        return ToolOutput(out.strip() or "(no commits)", f"{len(out.splitlines())} commits")

    def _safe_paths(self, names: str) -> tuple[list[str], int]:
        """The non-secret paths of ``git --name-only`` output, and how many were hidden."""
        paths = [p for p in names.splitlines() if p.strip()]
        safe = [p for p in paths if not self._secret(p)]
        return safe, len(paths) - len(safe)

    async def _git_show(self, args: dict[str, Any]) -> ToolOutput:
        rev = self._rev(args.get("commit"))
        root = self._repo_root()
        code, names = await self._git(root, ["show", "--format=", "--name-only",
                                             "--end-of-options", rev])
        if code != 0:
            raise ToolError(f"unknown commit {rev!r}")
        safe, hidden = self._safe_paths(names)
        code, head = await self._git(root, ["show", "-s", "--format=%H%n%an <%ae> %ad%n%n%B",
                                            "--end-of-options", rev])
        diff = ""
        if safe:
            _, diff = await self._git(root, ["show", "--format=", "--stat", "-p",
                                             "--end-of-options", rev, "--", *safe])
        note = f"\n({hidden} file(s) that may contain secrets are not shown)" if hidden else ""
        return ToolOutput(head.strip() + "\n\n" + diff + note, f"commit {rev[:10]}")

    async def _git_diff(self, args: dict[str, Any]) -> ToolOutput:
        root = self._repo_root()
        base = ["diff", "--cached"] if args.get("staged") else ["diff"]
        if args.get("path"):
            path, _ = self.resolve(args["path"], must_exist=False)
            pathspecs = [path.relative_to(root).as_posix()]
        else:
            _, names = await self._git(root, [*base, "--name-only"])
            pathspecs, hidden = self._safe_paths(names)
            if not pathspecs:
                return ToolOutput("no changes" + (" (besides files with secrets)"
                                                  if hidden else ""), "no changes")
        _, out = await self._git(root, [*base, "--", *pathspecs])
        return ToolOutput(out or "no changes", f"{out.count('diff --git')} changed files")

