"""Persistent state: SQLite files under the workspace's data directory."""
