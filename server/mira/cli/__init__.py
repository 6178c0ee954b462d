"""The ``mira`` command."""
