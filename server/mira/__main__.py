"""``python -m mira`` is the same as the ``mira`` command."""

from mira.cli.main import main

raise SystemExit(main())
