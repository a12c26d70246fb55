"""SQLite persistence: accounts, instances, configuration, OAuth records, deliveries.

One connection shared by all threads behind one re-entrant lock: the emulator's
load is small, and a single writer makes "check a grant, spend it, insert the
instance" atomic without any retry logic. Without a path the database lives in
memory, so both modes run the same code.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
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
}


@dataclass
class DeliveryRecord:
    id: str
    instance_id: int
    status: str
    attempts: int
    url: str | None
    source: str | None
    event_count: int | None
    created_at: float | None
    finished_at: float | None
    response_code: int | None
    verified: bool | None


@dataclass
class InstanceRecord:
    id: int
    account_id: int
    name: str
    token: str
    tags: list[str]
    disabled: bool
    created_date: str
    configuration: dict[str, str]


@dataclass
class ConsentSession:
    id: str
    flow: str  # "oauth2" or "oauth1"
    api_key: str
    api_secret: str
    callback_url: str
    state: str
    scope: str
    request_token: str | None
    token_secret: str | None
    expires_at: float
    used: bool


@dataclass
class Grant:
    """What a consent produced: an OAuth 2.0 code or an authorized 1.0a token."""

    code: str  # the OAuth 2.0 code, or the 1.0a oauth_token
    flow: str
    api_key: str
    api_secret: str
    callback_url: str
    realm_id: str
    verifier: str | None
    token_secret: str | None
    expires_at: float
    spent: bool


@dataclass
class RequestToken:
    token: str
    secret: str
    api_key: str
    api_secret: str
    callback_url: str
    expires_at: float


class Store:
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

    # -- meta --------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- accounts ----------------------------------------------------------
    def add_account(self, org_secret: str, user_secret: str) -> None:
        # An organization has one user secret here; a re-added organization
        # takes the newly given one.
        with self.transaction() as db:
            db.execute(
                "INSERT INTO accounts (org_secret, user_secret) VALUES (?, ?)"
                " ON CONFLICT (org_secret) DO UPDATE SET user_secret = excluded.user_secret",
                (org_secret, user_secret),
            )

    def accounts(self) -> list[tuple[str, str]]:
        with self.transaction() as db:
            rows = db.execute("SELECT org_secret, user_secret FROM accounts ORDER BY id").fetchall()
        return [(row["org_secret"], row["user_secret"]) for row in rows]

    def account_id(self, org_secret: str, user_secret: str) -> int | None:
        with self.transaction() as db:
            row = db.execute(
                "SELECT id FROM accounts WHERE org_secret = ? AND user_secret = ?",
                (org_secret, user_secret),
            ).fetchone()
        return row["id"] if row else None

    # -- instances ---------------------------------------------------------
    def insert_instance(
        self,
        *,
        account_id: int,
        name: str,
        token: str,
        tags: list[str],
        created_date: str,
        configuration: dict[str, str],
    ) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO instances (account_id, name, token, tags, created_date)"
                " VALUES (?, ?, ?, ?, ?)",
                (account_id, name, token, json.dumps(tags), created_date),
            )
            instance_id = cursor.lastrowid
            assert instance_id is not None
            self.write_configuration(instance_id, configuration)
        return instance_id

    def get_instance(
        self, instance_id: int, account_id: int | None = None
    ) -> InstanceRecord | None:
        """The instance, or None when it does not exist or (given account_id) is not its."""
        with self.transaction() as db:
            row = db.execute("SELECT * FROM instances WHERE id = ?", (instance_id,)).fetchone()
            if row is None or (account_id is not None and row["account_id"] != account_id):
                return None
            return self._record(db, row)

    def instance_by_token(self, token: str) -> InstanceRecord | None:
        with self.transaction() as db:
            row = db.execute("SELECT * FROM instances WHERE token = ?", (token,)).fetchone()
            return self._record(db, row) if row else None

    def all_instances(self) -> list[InstanceRecord]:
        """Every organization's instances (for the poller and the dashboard), by id."""
        with self.transaction() as db:
            rows = db.execute("SELECT * FROM instances ORDER BY id").fetchall()
            return [self._record(db, row) for row in rows]

    def list_instances(self, account_id: int) -> list[InstanceRecord]:
        with self.transaction() as db:
            rows = db.execute(
                "SELECT * FROM instances WHERE account_id = ? ORDER BY id", (account_id,)
            ).fetchall()
            return [self._record(db, row) for row in rows]

    def update_instance(
        self,
        instance_id: int,
        *,
        name: str | None = None,
        tags: list[str] | None = None,
        disabled: bool | None = None,
    ) -> None:
        with self.transaction() as db:
            if name is not None:
                db.execute("UPDATE instances SET name = ? WHERE id = ?", (name, instance_id))
            if tags is not None:
                db.execute(
                    "UPDATE instances SET tags = ? WHERE id = ?", (json.dumps(tags), instance_id)
                )
            if disabled is not None:
                db.execute(
                    "UPDATE instances SET disabled = ? WHERE id = ?", (int(disabled), instance_id)
                )

    def delete_instance(self, instance_id: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM instances WHERE id = ?", (instance_id,))

    def write_configuration(self, instance_id: int, configuration: dict[str, str]) -> None:
        """Make the stored configuration equal ``configuration``.

        A key that stays keeps its entry id, because clients address single
        values by that id (PATCH /instances/{id}/configuration/{configId}).
        """
        with self.transaction() as db:
            stored = {
                row["key"]
                for row in db.execute(
                    "SELECT key FROM configuration WHERE instance_id = ?", (instance_id,)
                )
            }
            for key in stored - configuration.keys():
                db.execute(
                    "DELETE FROM configuration WHERE instance_id = ? AND key = ?",
                    (instance_id, key),
                )
            for key, value in configuration.items():
                db.execute(
                    "INSERT INTO configuration (instance_id, key, value) VALUES (?, ?, ?)"
                    " ON CONFLICT (instance_id, key) DO UPDATE SET value = excluded.value",
                    (instance_id, key, value),
                )

    def configuration_entries(self, instance_id: int) -> list[tuple[int, str, str]]:
        with self.transaction() as db:
            rows = db.execute(
                "SELECT id, key, value FROM configuration WHERE instance_id = ? ORDER BY id",
                (instance_id,),
            ).fetchall()
        return [(row["id"], row["key"], row["value"]) for row in rows]

    @staticmethod
    def _record(db: sqlite3.Connection, row: sqlite3.Row) -> InstanceRecord:
        configuration = {
            entry["key"]: entry["value"]
            for entry in db.execute(
                "SELECT key, value FROM configuration WHERE instance_id = ? ORDER BY id",
                (row["id"],),
            )
        }
        return InstanceRecord(
            id=row["id"],
            account_id=row["account_id"],
            name=row["name"],
            token=row["token"],
            tags=json.loads(row["tags"]),
            disabled=bool(row["disabled"]),
            created_date=row["created_date"],
            configuration=configuration,
        )

    # -- OAuth records -----------------------------------------------------
    def add_request_token(self, token: RequestToken) -> None:
        self._insert("request_tokens", token)

    def get_request_token(self, token: str) -> RequestToken | None:
        with self.transaction() as db:
            row = db.execute("SELECT * FROM request_tokens WHERE token = ?", (token,)).fetchone()
        return RequestToken(**dict(row)) if row else None

    def add_consent_session(self, session: ConsentSession) -> None:
        self._insert("consent_sessions", session)

    def get_consent_session(self, session_id: str) -> ConsentSession | None:
        with self.transaction() as db:
            row = db.execute(
                "SELECT * FROM consent_sessions WHERE id = ?", (session_id,)
            ).fetchone()
        if row is None:
            return None
        return ConsentSession(**{**dict(row), "used": bool(row["used"])})

    def mark_consent_used(self, session_id: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE consent_sessions SET used = 1 WHERE id = ?", (session_id,))

    def add_grant(self, grant: Grant) -> None:
        self._insert("grants", grant)

    def get_grant(self, code: str) -> Grant | None:
        with self.transaction() as db:
            row = db.execute("SELECT * FROM grants WHERE code = ?", (code,)).fetchone()
        if row is None:
            return None
        return Grant(**{**dict(row), "spent": bool(row["spent"])})

    def spend_grant(self, code: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE grants SET spent = 1 WHERE code = ?", (code,))

    def _insert(self, table: str, record: Any) -> None:
        """Insert a dataclass whose field names are the table's column names."""
        values = asdict(record)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.transaction() as db:
            db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))

    # -- event deliveries --------------------------------------------------
    def add_delivery(
        self,
        delivery_id: str,
        instance_id: int,
        *,
        url: str | None = None,
        source: str = "manual",
        event_count: int = 1,
        created_at: float | None = None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO deliveries (id, instance_id, status, url, source, event_count,"
                " created_at) VALUES (?, ?, 'pending', ?, ?, ?, ?)",
                (delivery_id, instance_id, url, source, event_count, created_at),
            )

    def update_delivery(
        self,
        delivery_id: str,
        *,
        status: str,
        attempts: int,
        response_code: int | None = None,
        verified: bool | None = None,
        finished_at: float | None = None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE deliveries SET status = ?, attempts = ?, response_code = ?, verified = ?,"
                " finished_at = ? WHERE id = ?",
                (
                    status,
                    attempts,
                    response_code,
                    None if verified is None else int(verified),
                    finished_at,
                    delivery_id,
                ),
            )

    def list_deliveries(
        self, limit: int = 100, instance_id: int | None = None
    ) -> list[DeliveryRecord]:
        """The latest deliveries, newest first."""
        where, args = ("WHERE instance_id = ?", (instance_id,)) if instance_id else ("", ())
        with self.transaction() as db:
            rows = db.execute(
                f"SELECT * FROM deliveries {where} ORDER BY rowid DESC LIMIT ?", (*args, limit)
            ).fetchall()
        return [
            DeliveryRecord(
                **{
                    **dict(row),
                    "verified": None if row["verified"] is None else bool(row["verified"]),
                }
            )
            for row in rows
        ]

    def get_delivery(self, delivery_id: str) -> tuple[str, int] | None:
        with self.transaction() as db:
            row = db.execute(
                "SELECT status, attempts FROM deliveries WHERE id = ?", (delivery_id,)
            ).fetchone()
        return (row["status"], row["attempts"]) if row else None

    def fail_pending_deliveries(self) -> None:
        """Deliveries cut short by a restart end as failed: their threads are gone."""
        with self.transaction() as db:
            db.execute("UPDATE deliveries SET status = 'failed' WHERE status = 'pending'")
