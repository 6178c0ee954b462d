"""One diagnostics set per document, merged from several sources.

``textDocument/publishDiagnostics`` replaces all of a server's diagnostics for a
URI, so sources (co-change hints, build errors, ...) store theirs here and the
union is published.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer


class DiagnosticsHub:
    def __init__(self, server: LanguageServer) -> None:
        self.server = server
        self._by_uri: dict[str, dict[str, list[types.Diagnostic]]] = {}

    def set(self, uri: str, source: str, diagnostics: list[types.Diagnostic]) -> None:
        sources = self._by_uri.setdefault(uri, {})
        if sources.get(source, []) == diagnostics and source in sources:
            return
        sources[source] = diagnostics
        self._publish(uri)

    def clear_source(self, source: str) -> None:
        for uri, sources in list(self._by_uri.items()):
            if sources.pop(source, None):
                self._publish(uri)

    def get(self, uri: str, source: str | None = None) -> list[types.Diagnostic]:
        sources = self._by_uri.get(uri, {})
        if source is not None:
            return list(sources.get(source, []))
        return [d for ds in sources.values() for d in ds]

    def _publish(self, uri: str) -> None:
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=self.get(uri)))
