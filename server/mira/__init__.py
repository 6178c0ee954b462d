"""Mira: a language server that knows a codebase the way its longest-serving engineer does."""

__version__ = "0.1.0"
