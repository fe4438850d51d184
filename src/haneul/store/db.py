"""SQLite connection and append-only migrations.

Never edit a migration that has shipped: append a new one. `PRAGMA user_version` records
how many have run.
"""

from __future__ import annotations

import sqlite3
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MIGRATIONS: list[str] = [
    """
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        revoked_at REAL,
        last_used_at REAL,
        rpm INTEGER,
        max_concurrent INTEGER
    );
    """,
    """
    ALTER TABLE api_keys ADD COLUMN safety_policy TEXT;
    CREATE TABLE safety_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        key_id TEXT NOT NULL,
        direction TEXT NOT NULL,
        action TEXT NOT NULL,
        categories TEXT NOT NULL
    );
    CREATE INDEX safety_audit_at ON safety_audit (at);
    """,
    """
    CREATE TABLE collections (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        version INTEGER NOT NULL DEFAULT 0,
        UNIQUE (owner, name)
    );
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        title TEXT,
        created TEXT,
        chunks INTEGER NOT NULL,
        added_at REAL NOT NULL,
        UNIQUE (collection_id, name)
    );
    CREATE TABLE chunks (
        id INTEGER PRIMARY KEY,
        collection_id TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        text TEXT NOT NULL,
        page INTEGER,
        heading TEXT,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        vector BLOB
    );
    CREATE INDEX chunks_doc ON chunks (doc_id);
    CREATE INDEX chunks_collection ON chunks (collection_id, id);
    CREATE VIRTUAL TABLE chunk_terms USING fts5 (terms, tokenize = 'unicode61')
    """,
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        title TEXT NOT NULL,
        preset TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX conversations_owner ON conversations (owner, updated_at);
    CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        skill_calls TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL
    );
    CREATE INDEX messages_conversation ON messages (conversation_id, seq)
    """,
    """
    CREATE TABLE memories (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        slot TEXT NOT NULL,
        content TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        UNIQUE (owner, slot)
    );
    CREATE TABLE memory_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner TEXT NOT NULL,
        at REAL NOT NULL,
        op TEXT NOT NULL,
        memory_id TEXT,
        slot TEXT NOT NULL,
        content TEXT NOT NULL,
        source TEXT NOT NULL
    );
    CREATE INDEX memory_log_owner ON memory_log (owner, id);
    CREATE TABLE confirmations (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        skill TEXT NOT NULL,
        arguments TEXT NOT NULL,
        created_at REAL NOT NULL,
        decided_at REAL,
        approved INTEGER
    )
    """,
    """
    CREATE TABLE tuning_jobs (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        base TEXT NOT NULL,
        dataset TEXT NOT NULL,
        config TEXT NOT NULL,
        status TEXT NOT NULL,
        info TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        pid INTEGER
    )
    """,
    """
    ALTER TABLE chunks ADD COLUMN sentence_vectors BLOB;
    CREATE VIRTUAL TABLE chunk_terms_vocab USING fts5vocab (chunk_terms, row)
    """,
    """
    CREATE TABLE embed_queue (
        chunk_id INTEGER PRIMARY KEY,
        collection_id TEXT NOT NULL
    );
    CREATE INDEX embed_queue_collection ON embed_queue (collection_id)
    """,
    """
    ALTER TABLE messages ADD COLUMN citations TEXT NOT NULL DEFAULT '[]'
    """,
    """
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at REAL NOT NULL,
        disabled_at REAL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until REAL
    );
    CREATE TABLE teams (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        safety_policy TEXT,
        rpm INTEGER,
        max_concurrent INTEGER
    );
    CREATE TABLE team_members (
        team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        PRIMARY KEY (team_id, user_id)
    );
    CREATE TABLE sessions (
        hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    CREATE INDEX sessions_user ON sessions (user_id);
    CREATE TABLE account_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE usage (
        owner TEXT NOT NULL,
        day TEXT NOT NULL,
        requests INTEGER NOT NULL DEFAULT 0,
        tokens INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (owner, day)
    );
    ALTER TABLE api_keys ADD COLUMN user_id TEXT;
    ALTER TABLE collections ADD COLUMN created_by TEXT
    """,
    """
    CREATE TABLE message_feedback (
        message_id TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
        owner TEXT NOT NULL,
        rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
        comment TEXT NOT NULL DEFAULT '',
        updated_at REAL NOT NULL
    );
    CREATE INDEX message_feedback_owner ON message_feedback (owner, updated_at)
    """,
    """
    CREATE TABLE reports (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        title TEXT NOT NULL,
        topic TEXT NOT NULL,
        template TEXT,
        collection TEXT NOT NULL,
        collection_owner TEXT NOT NULL,
        outline TEXT NOT NULL,
        sections TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'draft',
        error TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX reports_owner ON reports (owner, updated_at)
    """,
    """
    CREATE TABLE todos (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        team_id TEXT,
        parent_id TEXT REFERENCES todos (id) ON DELETE CASCADE,
        title TEXT NOT NULL,
        notes TEXT NOT NULL DEFAULT '',
        due TEXT,
        priority TEXT NOT NULL DEFAULT 'normal',
        status TEXT NOT NULL DEFAULT 'open',
        source_kind TEXT,
        source_ref TEXT,
        position INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX todos_owner ON todos (owner, status, due);
    CREATE INDEX todos_team ON todos (team_id);
    CREATE INDEX todos_parent ON todos (parent_id);
    CREATE TABLE todo_feeds (
        owner TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL
    )
    """,
    """
    CREATE TABLE skillsets (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        manifests TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        UNIQUE (owner, name)
    );
    CREATE TABLE skillset_examples (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        skillset_id TEXT NOT NULL REFERENCES skillsets (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        operation TEXT NOT NULL,
        arguments TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL
    );
    CREATE INDEX skillset_examples_set ON skillset_examples (skillset_id, id);
    CREATE TABLE skillset_versions (
        skillset_id TEXT NOT NULL REFERENCES skillsets (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        manifests TEXT NOT NULL,
        model TEXT NOT NULL,
        report TEXT NOT NULL,
        published_at REAL,
        created_at REAL NOT NULL,
        PRIMARY KEY (skillset_id, version)
    );
    CREATE TABLE skillset_calls (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        skillset_id TEXT NOT NULL REFERENCES skillsets (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        query TEXT NOT NULL,
        operation TEXT NOT NULL,
        arguments TEXT NOT NULL,
        created_at REAL NOT NULL,
        decided_at REAL,
        approved INTEGER
    )
    """,
    """
    ALTER TABLE safety_audit ADD COLUMN owner TEXT;
    UPDATE safety_audit SET owner = COALESCE(
        (SELECT user_id FROM api_keys WHERE api_keys.id = safety_audit.key_id), key_id
    );
    CREATE INDEX safety_audit_owner ON safety_audit (owner, at)
    """,
    """
    CREATE TABLE mail_accounts (
        owner TEXT PRIMARY KEY,
        address TEXT NOT NULL,
        display_name TEXT NOT NULL DEFAULT '',
        signature TEXT NOT NULL DEFAULT '',
        username TEXT NOT NULL,
        secret BLOB NOT NULL,
        imap_host TEXT NOT NULL,
        imap_port INTEGER NOT NULL,
        smtp_host TEXT NOT NULL,
        smtp_port INTEGER NOT NULL,
        smtp_security TEXT NOT NULL,
        synced_at REAL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE mail_messages (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        origin TEXT NOT NULL,
        folder TEXT NOT NULL DEFAULT '',
        uid TEXT,
        message_id TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        sender TEXT NOT NULL,
        date REAL NOT NULL,
        data TEXT NOT NULL,
        raw BLOB NOT NULL,
        UNIQUE (owner, message_id)
    );
    CREATE INDEX mail_messages_thread ON mail_messages (owner, thread_id, date);
    CREATE TABLE mail_drafts (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        recipients TEXT NOT NULL,
        cc TEXT NOT NULL DEFAULT '[]',
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        in_reply_to TEXT NOT NULL DEFAULT '',
        refs TEXT NOT NULL DEFAULT '',
        model TEXT,
        status TEXT NOT NULL DEFAULT 'draft',
        approved_digest TEXT,
        sent_message_id TEXT,
        sent_folder TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        sent_at REAL
    );
    CREATE INDEX mail_drafts_owner ON mail_drafts (owner, thread_id)
    """,
    """
    CREATE TABLE oidc_links (
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        email TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        last_signin_at REAL NOT NULL,
        PRIMARY KEY (issuer, subject)
    );
    CREATE INDEX oidc_links_user ON oidc_links (user_id)
    """,
    """
    ALTER TABLE messages ADD COLUMN composed TEXT;
    ALTER TABLE messages ADD COLUMN memories_used TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE messages ADD COLUMN finish_reason TEXT
    """,
    # A chunk's vector is now pooled from its sentences' vectors (knowledge/embed_queue.py):
    # chunks of several sentences embedded before are queued again, and the queue makes
    # their vectors from the sentence vectors they hold, with no e5 pass
    """
    INSERT OR IGNORE INTO embed_queue (chunk_id, collection_id)
    SELECT id, collection_id FROM chunks
    WHERE vector IS NOT NULL AND length(sentence_vectors) > length(vector)
    """,
    # Document names are kept in NFC now (knowledge/ingest.py): a name written before,
    # decomposed as a Mac writes Korean file names, is composed, so that adding the same
    # folder again finds it unchanged (unless the composed name is already taken)
    """
    UPDATE documents SET name = nfc(name)
    WHERE name != nfc(name) AND NOT EXISTS (
        SELECT 1 FROM documents AS d
        WHERE d.collection_id = documents.collection_id AND d.name = nfc(documents.name)
    )
    """,
]


def _nfc(text: str | None) -> str | None:
    return None if text is None else unicodedata.normalize("NFC", text)


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn)
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    conn.create_function("nfc", 1, _nfc, deterministic=True)  # for the migrations
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, sql in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, sql.split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise


class Store:
    """A store over one shared connection: its tables migrated, one lock for the connection,
    `_write()` for a transaction (BEGIN IMMEDIATE, rolled back on any error) and `_rows()` for
    a read."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.lock = threading.RLock()
        migrate(conn)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, tuple(args)).fetchall()
