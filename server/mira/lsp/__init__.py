"""The only layer that knows LSP: server, options, handlers, conversions."""
