"""The Mira language server object and its construction."""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from mira import __version__
from mira.lsp.diagnostics import DiagnosticsHub
from mira.lsp.features import Providers
from mira.lsp.protocol import MiraProtocol
from mira.lsp.state import ServerState

log = logging.getLogger(__name__)


class MiraServer(LanguageServer):
    protocol: MiraProtocol

    def __init__(self) -> None:
        super().__init__("mira", __version__, protocol_cls=MiraProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.state = ServerState()
        self.providers = Providers()
        self.diagnostics = DiagnosticsHub(self)

    def show(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """A problem the user must see (window/showMessage) and the log."""
        log.log(logging.WARNING if kind <= types.MessageType.Warning else logging.INFO, message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=f"Mira: {message}"))

    def report_server_error(self, error: Exception, source: Any) -> None:
        # One failing request must not take the server down: log it and go on.
        if isinstance(error, ValueError) and not isinstance(error, JsonRpcException):
            # json.JSONDecodeError / UnicodeDecodeError from the reader loop: not JSON at all
            self.protocol.send_parse_error(str(error))
            log.warning("malformed message from the client: %s", error)
            return
        log.error("internal error (%s): %s", getattr(source, "__name__", source), error,
                  exc_info=error)


def create_server() -> MiraServer:
    from mira.lsp.handlers import register_all

    server = MiraServer()
    register_all(server)
    return server
