"""Build errors and historical fixes: runner, parsers, storage, matching (BuildService)."""
