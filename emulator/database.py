"""The SQLite database under the store: schema, one shared connection, transactions.

One connection shared by all threads behind one re-entrant lock: the emulator's
load is small, and a single writer makes "check a grant, spend it, insert the
instance" atomic without any retry logic. Without a path the database lives in
memory, so both modes run the same code.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_secret TEXT NOT NULL UNIQUE,
    user_secret TEXT NOT NULL
);
-- AUTOINCREMENT: ids of deleted instances are never handed out again.
CREATE TABLE IF NOT EXISTS instances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    tags TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_date TEXT NOT NULL
);
-- Every instance token ever issued, deleted instances' included: what a leak scan
-- must look for (GET /_emulator/instance-tokens).
CREATE TABLE IF NOT EXISTS issued_tokens (token TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS configuration (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (instance_id, key)
);
CREATE TABLE IF NOT EXISTS request_tokens (
    token TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    api_key TEXT NOT NULL,
    api_secret TEXT NOT NULL,
    callback_url TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS consent_sessions (
    id TEXT PRIMARY KEY,
    flow TEXT NOT NULL,
    api_key TEXT NOT NULL,
    api_secret TEXT NOT NULL,
    callback_url TEXT NOT NULL,
    state TEXT NOT NULL,
    scope TEXT NOT NULL,
    request_token TEXT,
    token_secret TEXT,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS grants (
    code TEXT PRIMARY KEY,
    flow TEXT NOT NULL,
    api_key TEXT NOT NULL,
    api_secret TEXT NOT NULL,
    callback_url TEXT NOT NULL,
    realm_id TEXT NOT NULL,
    verifier TEXT,
    token_secret TEXT,
    expires_at REAL NOT NULL,
    spent INTEGER NOT NULL DEFAULT 0
);
-- One webhook subscription per events-enabled instance (its id is the instance's
-- configuration key event_notification_subscription_id); inactive once all 9
-- retries of a delivery failed, until a PUT of the queued deliveries.
CREATE TABLE IF NOT EXISTS subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id INTEGER NOT NULL UNIQUE,
    url TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    instance_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
"""


# Columns added after the first release: a database from an older emulator gets
# them on open (ALTER TABLE), a new one the same way, so both run the same code.
DELIVERY_DETAILS = {
    "url": "TEXT",
    "source": "TEXT",  # manual | activity | test
    "event_count": "INTEGER",
    "created_at": "REAL",  # seconds since the epoch
    "finished_at": "REAL",
    "response_code": "INTEGER",  # of the last attempt; NULL when no answer came
    "verified": "INTEGER",  # the receiver's X-Signature-Verified; NULL when it did not say
    "event_id": "TEXT",  # the notification's message.eventId, kept across redeliveries
    "subscription_id": "INTEGER",
    "body": "TEXT",  # the notification as sent: what a redelivery sends again
    "updated_at": "REAL",
}
ACCOUNT_SETTINGS = {
    # notification.webhook.failure.policy: retry (the platform's default) | queue
    "failure_policy": "TEXT NOT NULL DEFAULT 'retry'",
}
INSTANCE_HEALTH = {
    "valid": "INTEGER NOT NULL DEFAULT 1",
    "auth_lost": "TEXT",  # why token refreshes fail; NULL while the authorization holds
    "refresh_failures": "INTEGER NOT NULL DEFAULT 0",  # consecutive failed refreshes
}
INSTANCE_ELEMENT = {
    "element_key": "TEXT NOT NULL DEFAULT 'quickbooks'",  # catalog.ELEMENTS
    # The QuickBooks company the instance is bound to (NULL for other elements). Its
    # configuration shows it as quickbooks.realm.id, unless a test hid that key.
    "realm_id": "TEXT",
}
# An older emulator kept the company only as the configuration key "realmId", which no
# source shows: on open it becomes the column and the platform's key.
LEGACY_REALM = """
UPDATE instances SET realm_id = (
    SELECT value FROM configuration c WHERE c.instance_id = instances.id AND c.key = 'realmId')
WHERE realm_id IS NULL;
UPDATE configuration SET key = 'quickbooks.realm.id' WHERE key = 'realmId';
"""


class Database:
    def __init__(self, path: str | None = None):
        self._lock = threading.RLock()
        self._depth = 0
        self._db = sqlite3.connect(
            path or ":memory:", check_same_thread=False, isolation_level=None
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        if path:
            self._db.execute("PRAGMA journal_mode = WAL")
        # executescript commits on its own, so it stays outside transaction().
        self._db.executescript(SCHEMA)
        self._add_missing_columns("deliveries", DELIVERY_DETAILS)
        self._add_missing_columns("instances", INSTANCE_HEALTH)
        self._add_missing_columns("accounts", ACCOUNT_SETTINGS)
        self._add_missing_columns("instances", INSTANCE_ELEMENT)
        self._db.executescript(LEGACY_REALM)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _add_missing_columns(self, table: str, columns: dict[str, str]) -> None:
        with self.transaction() as db:
            present = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns.items():
                if name not in present:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Everything inside commits together; nested uses join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._db
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    def _select(self, table: str, key: str, value: str) -> dict[str, Any] | None:
        """The row of `table` whose `key` column is `value`, as a dict (None without one)."""
        with self.transaction() as db:
            row = db.execute(f"SELECT * FROM {table} WHERE {key} = ?", (value,)).fetchone()
        return dict(row) if row else None

    def _set_flag(self, table: str, flag: str, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(f"UPDATE {table} SET {flag} = 1 WHERE {key} = ?", (value,))

    def _insert(self, table: str, record: Any) -> None:
        """Insert a dataclass whose field names are the table's column names."""
        values = asdict(record)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.transaction() as db:
            db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))
