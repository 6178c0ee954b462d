"""Typed ``mira/*`` messages (documented in docs/lsp-extensions.md).

pygls turns params of unknown methods into namedtuples; declaring attrs types
here makes custom requests as strictly typed as standard ones, and the client
side (client-vscode/src/protocol.ts) mirrors these shapes.
"""

from __future__ import annotations

import logging
import types as pytypes
import typing
from typing import Any

import attrs
from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
    JsonRpcServerNotInitialized,
)
from pygls.protocol import JsonRPCResponseMessage, LanguageServerProtocol
from pygls.protocol.json_rpc import ResponseErrorMessage

log = logging.getLogger(__name__)

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


def _without_lone_surrogates(text: str) -> str:
    """Lone UTF-16 surrogates (legal in JSON, not encodable as UTF-8) become U+FFFD.

    One UTF-16 code unit each way, so every LSP position in the document stays valid.
    """
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _clean_strings(data: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, str):
            data[key] = _without_lone_surrogates(value)
        elif isinstance(value, list):
            data[key] = [_without_lone_surrogates(v) if isinstance(v, str) else v for v in value]


def _params_class(request_type: type | None) -> type | None:
    """The attrs class of a request type's ``params`` (None when it takes none)."""
    if request_type is None or not attrs.has(request_type):
        return None
    field = attrs.fields_dict(request_type).get("params")
    if field is None:
        return None
    kind: Any = field.type
    if isinstance(kind, pytypes.UnionType) or typing.get_origin(kind) is typing.Union:
        kind = next((a for a in typing.get_args(kind) if a is not type(None)), None)
    return kind if isinstance(kind, type) and attrs.has(kind) else None


class MiraProtocol(LanguageServerProtocol):
    """Typed ``mira/*`` methods, and the LSP's rules for what is answered and how.

    - A request whose params are missing, ``null`` or do not fit the method's type gets
      -32602 InvalidParams (pygls would log it and never answer, or pass ``None`` on).
    - Before ``initialize``: requests get -32002 ServerNotInitialized, notifications are
      dropped (``exit`` excepted). After ``shutdown``: requests get -32600 InvalidRequest.
    - ``exit`` and the end of input go to ``server.lifetime`` (bounded, correct exit code).
    - A client *response* that does not fit its type (``null`` for ``showDocument``) is
      delivered as ``None`` instead of leaving the request waiting forever.
    - Lone surrogates in any string become U+FFFD (text must be encodable as UTF-8).
    """

    def structure_message(self, data: dict[str, Any]) -> Any:
        if not isinstance(data, dict):
            return data
        _clean_strings(data)
        if "jsonrpc" not in data:
            return data
        try:
            if "id" in data and "method" in data and data.get("params") is None:
                self._fill_missing_params(data)
            if data.get("method") == types.WORKSPACE_EXECUTE_COMMAND and isinstance(
                    data.get("params"), dict) and data["params"].get("arguments") is None:
                data["params"]["arguments"] = []  # so pygls checks them against the handler
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data:
                return InvalidRequest(id=data["id"], method=str(data["method"]), error=exc)
            if "id" in data and "error" not in data:
                log.warning("the client's answer to request %s does not fit its type (%s); "
                            "taken as null", data["id"], data.get("result"))
                return JsonRPCResponseMessage(id=data["id"], result=None, jsonrpc="2.0")
            raise

    def _fill_missing_params(self, data: dict[str, Any]) -> None:
        """``params`` absent or null: ``{}`` when every field is optional, else an error."""
        kind = _params_class(self.get_message_type(str(data["method"])))
        if kind is None:
            return
        if all(f.default is not attrs.NOTHING for f in attrs.fields(kind)):
            data["params"] = {}
            return
        raise JsonRpcInvalidParams(message=f"{data['method']}: params are required")

    def handle_message(self, message: Any) -> None:
        lifetime = self._server.lifetime  # type: ignore[attr-defined]
        method = getattr(message, "method", None)
        request_id = getattr(message, "id", None) if method is not None else None
        if method == types.EXIT:
            lifetime.exit_notification()
            return
        if method is not None and method != types.INITIALIZE and (
                not lifetime.initialize_received or lifetime.shutdown_received):
            if request_id is not None:
                error: JsonRpcException = (
                    JsonRpcInvalidRequest(message="the server is shutting down")
                    if lifetime.shutdown_received else
                    JsonRpcServerNotInitialized(message="the server is not initialized yet"))
                self._send_response(request_id, error=error.to_response_error())
            else:
                log.debug("dropped %s: the server is not initialized or shutting down", method)
            return
        if isinstance(message, InvalidRequest):
            self._send_response(message.id, error=message.error.to_response_error())
            return
        if method == types.INITIALIZE:
            if request_id is not None and lifetime.initialize_received:
                self._send_response(request_id, error=JsonRpcInvalidRequest(
                    message="initialize was already received").to_response_error())
                return
            lifetime.initialize_received = True
        elif method == types.SHUTDOWN:
            lifetime.shutdown_received = True
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
