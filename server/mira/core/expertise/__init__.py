"""Who knows this code: expertise scores from history and blame."""
