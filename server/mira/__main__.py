"""``python -m mira`` is the same as the ``mira`` command."""

from mira.cli.main import main

if __name__ == "__main__":  # not when a spawned worker process imports this module
    raise SystemExit(main())
