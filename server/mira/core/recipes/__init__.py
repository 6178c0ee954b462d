"""Change recipes: recurring multi-file change shapes mined from git history, without a model."""
