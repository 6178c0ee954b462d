"""Typed ``mira/*`` messages (documented in docs/lsp-extensions.md).

pygls turns params of unknown methods into namedtuples; declaring attrs types
here makes custom requests as strictly typed as standard ones, and the client
side (client-vscode/src/protocol.ts) mirrors these shapes.
"""

from __future__ import annotations

from typing import Any

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcParseError
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import ResponseErrorMessage

COCHANGE = "mira/cochange"
STATUS = "mira/status"


@attrs.define
class CochangeParams:
    text_document: types.TextDocumentIdentifier
    limit: int | None = None


@attrs.define
class CochangeItem:
    path: str
    uri: str
    confidence: float
    shared_commits: int
    last_changed_together: str  # ISO 8601
    reason: str


@attrs.define
class CochangeResult:
    path: str
    items: list[CochangeItem]
    note: str | None = None


@attrs.define
class StatusParams:
    pass


@attrs.define
class RepositoryStatus:
    root: str
    state: str
    commits_indexed: int
    last_indexed_head: str | None = None
    indexed_at: str | None = None
    last_full_index_seconds: float | None = None
    last_run_seconds: float | None = None
    message: str | None = None


@attrs.define
class PhaseStatus:
    """One background phase (``mira.core.phases``); never "done" after a failure."""

    name: str
    title: str
    state: str  # pending | running | done | failed | off
    done: int = 0
    total: int | None = None
    message: str | None = None
    error: str | None = None
    attempts: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    retry_at: float | None = None
    counts: dict[str, Any] = attrs.field(factory=dict)


@attrs.define
class WorkspaceStatus:
    root: str
    data_dir: str
    git: bool
    repositories: list[RepositoryStatus]
    message: str | None = None
    phases: list[PhaseStatus] = attrs.field(factory=list)


@attrs.define
class StatusResult:
    version: str
    workspaces: list[WorkspaceStatus]
    extra: dict[str, Any] = attrs.field(factory=dict)


def _class_name(method: str, suffix: str) -> str:
    words = method.replace("/", "_").replace(".", "_").split("_")
    return "".join(w[:1].upper() + w[1:] for w in words) + suffix


def _request(method: str, params_type: type) -> type:
    return attrs.make_class(_class_name(method, "Request"), {
        "id": attrs.field(type=int | str),  # type: ignore[arg-type]
        "params": attrs.field(type=params_type | None, default=None),  # type: ignore[arg-type]
        "method": attrs.field(type=str, default=method),
        "jsonrpc": attrs.field(type=str, default="2.0"),
    })


def _response(method: str, result_type: Any) -> type:
    return attrs.make_class(_class_name(method, "Response"), {
        "id": attrs.field(type=int | str | None),  # type: ignore[arg-type]
        # no defaults: lsprotocol's converter omits fields equal to their default
        "result": attrs.field(type=result_type | None),
        "jsonrpc": attrs.field(type=str),
    })


# method -> (params type, result type); other modules add their methods with `register`.
MIRA_METHODS: dict[str, tuple[type, type]] = {}


def register(method: str, params_type: type, result_type: Any) -> None:
    MIRA_METHODS[method] = (_request(method, params_type), _response(method, result_type))


register(COCHANGE, CochangeParams, CochangeResult)
register(STATUS, StatusParams, StatusResult)


@attrs.define
class InvalidRequest:
    """A request whose params could not be structured: answered with its error."""

    id: int | str
    method: str
    error: JsonRpcException
    jsonrpc: str = "2.0"


class MiraProtocol(LanguageServerProtocol):
    """Typed ``mira/*`` methods, and an error *response* for requests with bad params.

    pygls logs a request whose params fail to structure and never answers it, which
    leaves the client waiting forever; here it gets InvalidParams like the spec says.
    """

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "id" in data and "method" in data:
                return InvalidRequest(id=data["id"], method=str(data["method"]), error=exc)
            raise

    def handle_message(self, message: Any) -> None:
        if isinstance(message, InvalidRequest):
            self._send_response(message.id, error=message.error.to_response_error())
            return
        super().handle_message(message)

    def send_parse_error(self, reason: str) -> None:
        """JSON-RPC: a message that is not JSON gets a -32700 response with id null."""
        self._send_data(ResponseErrorMessage(
            id=None, error=JsonRpcParseError(message=f"Parse error: {reason}").to_response_error()))

    def get_message_type(self, method: str) -> type | None:  # type: ignore[override]
        if method in MIRA_METHODS:
            return MIRA_METHODS[method][0]
        return super().get_message_type(method)

    def get_result_type(self, method: str) -> type | None:  # type: ignore[override]
        if method in MIRA_METHODS:
            return MIRA_METHODS[method][1]
        return super().get_result_type(method)
