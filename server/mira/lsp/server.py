"""The Mira language server object and its construction."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdinAsyncReader, StdoutWriter, run_async
from pygls.lsp.server import LanguageServer
from pygls.protocol import default_converter

from mira import __version__
from mira.lsp.diagnostics import DiagnosticsHub
from mira.lsp.lifetime import Lifetime, force_exit
from mira.lsp.protocol import MiraProtocol
from mira.lsp.state import ServerState

log = logging.getLogger(__name__)
T = TypeVar("T")

# providers are called with the server (defined below)
CodeLensProvider = Callable[["MiraServer", types.CodeLensParams], Awaitable[list[types.CodeLens]]]
HoverProvider = Callable[["MiraServer", types.HoverParams], Awaitable[str | None]]
CodeActionProvider = Callable[
    ["MiraServer", types.CodeActionParams], Awaitable[list[types.CodeAction]]]
DocumentListener = Callable[["MiraServer", str, str], Awaitable[None]]  # (server, uri, event)
CommitListener = Callable[["MiraServer", Any], Awaitable[None]]  # after a git index run
# (server, workspace, changed paths): files created, changed or deleted on disk
FilesListener = Callable[["MiraServer", Any, set[str]], Awaitable[None]]


@dataclass
class Providers:
    """Extension points: each handler module registers its providers here; the aggregating
    handler (``handlers/editor.py``) calls them all (``features.gather_safely``)."""

    code_lens: list[CodeLensProvider] = field(default_factory=list)
    hover: list[HoverProvider] = field(default_factory=list)
    code_action: list[CodeActionProvider] = field(default_factory=list)
    document: list[DocumentListener] = field(default_factory=list)
    git_indexed: list[CommitListener] = field(default_factory=list)
    worktree_changed: list[CommitListener] = field(default_factory=list)
    files_changed: list[FilesListener] = field(default_factory=list)
    workspace_opened: list[CommitListener] = field(default_factory=list)  # git or not


class MiraServer(LanguageServer):
    protocol: MiraProtocol

    def __init__(self) -> None:
        # the protocol's converter, public: handlers unstructure results of mira/* with it
        self.converter = default_converter()
        super().__init__("mira", __version__, protocol_cls=MiraProtocol,
                         converter_factory=lambda: self.converter,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.state = ServerState()
        self.providers = Providers()
        self.diagnostics = DiagnosticsHub(self)
        self.lifetime = Lifetime(self.state)

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve over stdio until the client ends the session (see ``lifetime``).

        pygls' own loop waits for every worker thread when input ends; this one hands the
        end of input to ``Lifetime``, which ends the process within a bounded time.
        """
        self._stop_event = stop = threading.Event()
        reader = StdinAsyncReader(stdin or sys.stdin.buffer, self.thread_pool)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))

        async def serve() -> None:
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
                asyncio.get_running_loop().add_signal_handler(
                    signal.SIGTERM, self.lifetime.terminated)
            await run_async(stop_event=stop, reader=reader, protocol=self.protocol,
                            logger=log, error_handler=self.report_server_error)
            self.lifetime.input_closed()
            await asyncio.Event().wait()  # Lifetime ends the process

        try:
            asyncio.run(serve())
        except BrokenPipeError:
            log.error("the connection to the client is lost")
        finally:
            force_exit(self.lifetime.exit_code, "server loop ended")

    def show(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """A problem the user must see (window/showMessage) and the log."""
        log.log(logging.WARNING if kind <= types.MessageType.Warning else logging.INFO, message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=f"Mira: {message}"))

    async def ask_client(self, request: Awaitable[T], what: str) -> T | None:
        """A server→client request whose error answer counts as ``None`` (logged).

        Clients answer ``null`` or an error when they cannot or will not (no editor for a
        URI, the user declined an edit); the request that asked must still be answered.
        """
        try:
            return await request
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("the client answered %s with an error: %s", what, exc)
            return None

    def report_server_error(self, error: Exception, source: Any) -> None:
        # One failing request must not take the server down: log it and go on.
        if isinstance(error, ValueError) and not isinstance(error, JsonRpcException):
            # json.JSONDecodeError / UnicodeDecodeError from the reader loop: not JSON at all
            self.protocol.send_parse_error(str(error))
            log.warning("malformed message from the client: %s", error)
            return
        log.error("internal error (%s): %s", getattr(source, "__name__", source), error,
                  exc_info=error)
