"""Persistence. SQLite by default (one file under the data directory); append-only migrations."""
