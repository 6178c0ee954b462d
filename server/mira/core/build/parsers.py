"""Parsers for the real output formats of common build, test and lint tools.

Every parser takes the whole (ANSI-stripped, capped) output and returns
``ParsedError``s with 0-based lines and columns. ``parse_output`` runs them all:
the formats are distinct enough (each line shape names its tool) that trying every
parser is simpler and more robust than guessing the tool from the command, which
is only used to tell gcc from clang.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from mira.core.build.normalize import strip_ansi
from mira.core.build.records import ParsedError

Parser = Callable[[list[str]], list[ParsedError]]

_PY = r"[^\s:()][^:()]*?\.pyi?"
_C_EXT = r"(?:c|h|cc|cpp|cxx|hpp|hh|m|mm)"
_SEVERITY = {"error": "error", "fatal error": "error", "warning": "warning",
             "note": "info", "info": "info", "help": "info"}


def _zero(value: str | None) -> int | None:
    return max(int(value) - 1, 0) if value else None


def _located(tool: str, match: re.Match[str], **fields: Any) -> ParsedError:
    """An error at ``path:line:column``, the match's first three groups (1-based)."""
    return ParsedError(tool=tool, path=match.group(1), line=_zero(match.group(2)),
                       column=_zero(match.group(3)), **fields)


# ---------------------------------------------------------------- pytest
_PYTEST_SECTION = re.compile(r"^=+ (FAILURES|ERRORS|short test summary info|warnings summary"
                             r"|.*(?:passed|failed|error|errors|skipped).*) =+$")
_PYTEST_HEADER = re.compile(r"^_{3,} (.+?) _{3,}$")
_PYTEST_LOC = re.compile(rf"^({_PY}):(\d+): (?:in (\S+)|(\w+(?:\.\w+)*))?\s*$")
_PYTEST_E = re.compile(r"^E {2,}(.*)$")
_PYTEST_SUMMARY = re.compile(r"^(FAILED|ERROR) (\S+?)(?:::(\S+))?(?: - (.*))?$")
_EXC = re.compile(r"^((?:[A-Za-z_][\w]*\.)*[A-Z][\w]*(?:Error|Exception|Exit|Interrupt|"
                  r"Failed|Warning|Iteration|Failure))\b:?\s?(.*)$")


def parse_pytest(lines: list[str]) -> list[ParsedError]:
    errors: list[ParsedError] = []
    section: str | None = None
    title: str | None = None
    body: list[str] = []

    def flush() -> None:
        if title is not None and body:
            error = _pytest_block(title, body)
            if error is not None:
                errors.append(error)

    summary: list[ParsedError] = []
    for line in lines:
        sec = _PYTEST_SECTION.match(line)
        if sec:
            flush()
            title, body = None, []
            section = sec.group(1)
            continue
        if section in ("FAILURES", "ERRORS"):
            header = _PYTEST_HEADER.match(line)
            if header and not set(header.group(1)) <= {"_", " "}:
                flush()
                title, body = header.group(1), []
            elif title is not None:
                body.append(line)
        elif section == "short test summary info":
            match = _PYTEST_SUMMARY.match(line)
            if match:
                path, test, msg = match.group(2), match.group(3), match.group(4) or ""
                cls = _EXC.match(msg)
                summary.append(ParsedError(
                    tool="pytest", message=msg or f"{match.group(1).lower()} {path}",
                    path=path, code=cls.group(1).rsplit(".", 1)[-1] if cls else None,
                    symbol=test))
    flush()
    if not errors:
        return summary
    return errors


def _pytest_block(title: str, body: list[str]) -> ParsedError | None:
    e_lines = [m.group(1) for m in (_PYTEST_E.match(b) for b in body) if m]
    locations = [m for m in (_PYTEST_LOC.match(b) for b in body) if m]
    collecting = title.startswith("ERROR collecting ")
    symbol = None if collecting else title.split(" ")[-1].split(".")[-1]
    path = line = None
    code = None
    if locations:
        last = locations[-1]
        path, line = last.group(1), _zero(last.group(2))
        if last.group(4):
            code = last.group(4).rsplit(".", 1)[-1]
    elif collecting:
        path = title.removeprefix("ERROR collecting ").strip()
    message = ""
    for text in e_lines:
        cls = _EXC.match(text.strip())
        if cls and (code is None or cls.group(1).rsplit(".", 1)[-1] == code):
            code = cls.group(1).rsplit(".", 1)[-1]
            message = text.strip()
            break
    if not message:
        message = e_lines[0].strip() if e_lines else next(
            (b.strip() for b in body if b.strip()), title)
    if collecting and not e_lines:
        return None if not body else ParsedError(
            tool="pytest", message=message, path=path, line=line, code=code)
    if code and not message.startswith(code):
        message = f"{code}: {message}"
    detail = "\n".join(e.strip() for e in e_lines[:8])
    return ParsedError(tool="pytest", message=message, path=path, line=line, code=code,
                       detail=detail, symbol=symbol or None)


# ---------------------------------------------------------------- mypy
_MYPY = re.compile(rf"^({_PY}):(\d+)(?::(\d+))?: (error|warning|note): (.*?)(?:  \[([\w-]+)\])?$")


def parse_mypy(lines: list[str]) -> list[ParsedError]:
    errors: list[ParsedError] = []
    for line in lines:
        match = _MYPY.match(line)
        if not match:
            continue
        severity = match.group(4)
        if severity == "note":
            if errors and errors[-1].path == match.group(1):
                errors[-1].detail += match.group(5) + "\n"
            continue
        errors.append(_located("mypy", match, severity=_SEVERITY[severity],
                               message=match.group(5), code=match.group(6)))
    return errors


# ---------------------------------------------------------------- ruff
_RUFF_CONCISE = re.compile(rf"^({_PY}):(\d+):(\d+): ([A-Z]+[0-9]+) (?:\[\*\] )?(.*)$")
_RUFF_FULL_HEAD = re.compile(r"^([A-Z]+[0-9]+) (?:\[\*\] )?(.+)$")
_RUFF_ARROW = re.compile(rf"^\s*--> ({_PY}):(\d+):(\d+)$")


def parse_ruff(lines: list[str]) -> list[ParsedError]:
    errors: list[ParsedError] = []
    pending: tuple[str, str] | None = None
    for line in lines:
        match = _RUFF_CONCISE.match(line)
        if match:
            errors.append(_located("ruff", match, code=match.group(4), message=match.group(5)))
            continue
        head = _RUFF_FULL_HEAD.match(line)
        if head:
            pending = (head.group(1), head.group(2))
            continue
        arrow = _RUFF_ARROW.match(line)
        if arrow and pending:
            errors.append(_located("ruff", arrow, code=pending[0], message=pending[1]))
            pending = None
    return errors


# ---------------------------------------------------------------- tsc
_TSC = re.compile(r"^(.+?\.(?:tsx?|jsx?|mts|cts|d\.ts))\((\d+),(\d+)\): (error|warning) "
                  r"(TS\d+): (.*)$")
_TSC_PRETTY = re.compile(r"^(.+?\.(?:tsx?|jsx?|mts|cts)):(\d+):(\d+) - (error|warning) "
                         r"(TS\d+): (.*)$")


def parse_tsc(lines: list[str]) -> list[ParsedError]:
    errors = []
    for line in lines:
        match = _TSC.match(line) or _TSC_PRETTY.match(line)
        if match:
            errors.append(_located("tsc", match, severity=match.group(4),
                                   code=match.group(5), message=match.group(6)))
    return errors


# ---------------------------------------------------------------- eslint
_ESLINT_FILE = re.compile(r"^((?:[A-Za-z]:)?[\\/]?\S.*\.(?:[cm]?[jt]sx?|vue|svelte))$")
_ESLINT_ROW = re.compile(r"^\s+(\d+):(\d+)\s+(error|warning)\s+(.+?)(?:\s{2,}(\S+))?\s*$")
_ESLINT_UNIX = re.compile(r"^(.+?):(\d+):(\d+): (.*) \[(Error|Warning)(?:/(\S+))?\]$")


def parse_eslint(lines: list[str]) -> list[ParsedError]:
    errors: list[ParsedError] = []
    current: str | None = None
    for line in lines:
        unix = _ESLINT_UNIX.match(line)
        if unix:
            errors.append(_located("eslint", unix, severity=unix.group(5).lower(),
                                   message=unix.group(4).rstrip("."), code=unix.group(6)))
            continue
        head = _ESLINT_FILE.match(line)
        if head:
            current = head.group(1)
            continue
        row = _ESLINT_ROW.match(line)
        if row and current:
            errors.append(ParsedError(
                tool="eslint", path=current, line=_zero(row.group(1)),
                column=_zero(row.group(2)), severity=row.group(3),
                message=row.group(4).rstrip("."), code=row.group(5)))
        elif not line.strip():
            current = None
    return errors


# ---------------------------------------------------------------- cargo / rustc
_RUST_HEAD = re.compile(r"^(error|warning)(?:\[(E\d{4})\])?: (.*)$")
_RUST_ARROW = re.compile(r"^\s*--> (.+?):(\d+):(\d+)$")


def parse_rust(lines: list[str]) -> list[ParsedError]:
    errors: list[ParsedError] = []
    pending: tuple[str, str | None, str] | None = None
    for line in lines:
        if line.startswith('{"reason":'):
            errors.extend(_rust_json(line))
            continue
        head = _RUST_HEAD.match(line)
        if head:
            pending = (head.group(1), head.group(2), head.group(3))
            continue
        arrow = _RUST_ARROW.match(line)
        if arrow and pending:
            severity, code, message = pending
            errors.append(_located("rustc", arrow, severity=severity, code=code, message=message))
            pending = None
        elif line and not line[0].isspace() and pending and not line.startswith("note"):
            pending = None  # a summary line ("error: could not compile ...")
    return errors


def _rust_json(line: str) -> list[ParsedError]:
    try:
        obj = json.loads(line)
    except ValueError:
        return []
    if obj.get("reason") != "compiler-message":
        return []
    msg = obj.get("message") or {}
    level = msg.get("level", "")
    if level not in ("error", "warning") or not msg.get("spans"):
        return []
    span = next((s for s in msg["spans"] if s.get("is_primary")), msg["spans"][0])
    code = (msg.get("code") or {}).get("code")
    labels = [s.get("label") for s in msg["spans"] if s.get("label")]
    return [ParsedError(
        tool="rustc", path=span.get("file_name"), line=_zero(str(span.get("line_start", ""))),
        column=_zero(str(span.get("column_start", ""))), severity=level, code=code,
        message=msg.get("message", ""), detail="\n".join(labels))]


# ---------------------------------------------------------------- gcc / clang
_CC = re.compile(rf"^(.+?\.{_C_EXT}):(\d+):(\d+): (fatal error|error|warning|note): (.*?)"
                 r"(?: \[(-W[\w=-]+|-fpermissive)\])?$")


def parse_cc(lines: list[str], tool: str = "gcc") -> list[ParsedError]:
    errors: list[ParsedError] = []
    for line in lines:
        match = _CC.match(line)
        if not match:
            continue
        if match.group(4) == "note":
            if errors:
                errors[-1].detail += match.group(5) + "\n"
            continue
        errors.append(ParsedError(
            tool=tool, path=match.group(1), line=_zero(match.group(2)),
            column=_zero(match.group(3)), severity=_SEVERITY[match.group(4)],
            message=match.group(5), code=match.group(6)))
    return errors


# ---------------------------------------------------------------- go
_GO = re.compile(r"^(.+?\.go):(\d+)(?::(\d+))?: (.*)$")
_GO_FAIL = re.compile(r"^\s*--- FAIL: (\S+)")
_GO_TEST_LINE = re.compile(r"^\s{4,}(\S+?_test\.go):(\d+): (.*)$")
_GO_PKG = re.compile(r"^# (\S+)$")


def parse_go(lines: list[str]) -> list[ParsedError]:
    errors: list[ParsedError] = []
    test: str | None = None
    tool = "go"
    for line in lines:
        pkg = _GO_PKG.match(line)
        if pkg:
            tool = "go"
            continue
        fail = _GO_FAIL.match(line)
        if fail:
            test = fail.group(1)
            continue
        in_test = _GO_TEST_LINE.match(line)
        if in_test and test:
            errors.append(ParsedError(
                tool="go test", path=in_test.group(1), line=_zero(in_test.group(2)),
                message=in_test.group(3), symbol=test, code="FAIL"))
            continue
        match = _GO.match(line)
        if match and not line.startswith((" ", "\t")):
            message = match.group(4)
            if message.startswith(("error:", "warning:", "note:")):
                continue  # a C compiler's line (cgo); parse_cc handles those shapes
            errors.append(ParsedError(
                tool=tool, path=match.group(1), line=_zero(match.group(2)),
                column=_zero(match.group(3)), message=message))
    return errors


PARSERS: dict[str, Parser] = {
    "pytest": parse_pytest, "mypy": parse_mypy, "ruff": parse_ruff, "tsc": parse_tsc,
    "eslint": parse_eslint, "rustc": parse_rust, "go": parse_go,
}


def cc_tool(command: str | None) -> str:
    return "clang" if command and "clang" in command else "gcc"


def parse_output(text: str, command: str | None = None) -> list[ParsedError]:
    """All errors any parser recognises in ``text``, without duplicates."""
    lines = strip_ansi(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found: list[ParsedError] = []
    for parser in PARSERS.values():
        found.extend(parser(lines))
    found.extend(parse_cc(lines, cc_tool(command)))
    seen: set[tuple[object, ...]] = set()
    unique = []
    for error in found:
        key = (error.path, error.line, error.column, error.message)
        if key not in seen:
            seen.add(key)
            unique.append(error)
    return unique
