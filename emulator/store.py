"""The store: accounts, instances with their configuration and health, OAuth records.

Deliveries are in delivery_rows.py, the connection and schema in database.py.
"""

from __future__ import annotations

import json
import sqlite3

from . import configuration as config_rules
from .catalog import ELEMENT_KEY
from .configuration import LEGACY_REALM_KEY, REALM_KEY
from .delivery_rows import DeliveryRows
from .records import ConsentSession, Grant, InstanceRecord, RequestToken
from .subscription_rows import SubscriptionRows


class Store(DeliveryRows, SubscriptionRows):
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
        element_key: str = ELEMENT_KEY,
        realm_id: str | None = None,
    ) -> int:
        if realm_id is None and element_key == ELEMENT_KEY:
            # A QuickBooks instance is bound to the company its configuration shows.
            realm_id = configuration.get(REALM_KEY) or configuration.get(LEGACY_REALM_KEY)
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO instances"
                " (account_id, name, token, tags, created_date, element_key, realm_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (account_id, name, token, json.dumps(tags), created_date, element_key, realm_id),
            )
            instance_id = cursor.lastrowid
            assert instance_id is not None
            db.execute("INSERT OR IGNORE INTO issued_tokens (token) VALUES (?)", (token,))
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
        return self._records("", ())

    def list_instances(self, account_id: int) -> list[InstanceRecord]:
        return self._records("WHERE account_id = ?", (account_id,))

    def instances_of_company(self, account_id: int, realm_id: str | None) -> list[InstanceRecord]:
        """The organization's instances bound to one company (None, as for another
        element's instance: none), read without the others: a create checks them, and
        listing all would make N creates cost N²."""
        where = "WHERE account_id = ? AND realm_id = ?"
        return self._records(where, (account_id, realm_id))

    def _records(self, where: str, args: tuple) -> list[InstanceRecord]:
        """The instances `where` selects, by id, with their configurations read in one
        query (an organization of thousands of instances is listed page after page)."""
        with self.transaction() as db:
            rows = db.execute(f"SELECT * FROM instances {where} ORDER BY id", args).fetchall()
            configurations: dict[int, dict[str, str]] = {row["id"]: {} for row in rows}
            entries = db.execute(
                "SELECT c.instance_id, c.key, c.value FROM configuration c"
                f" JOIN instances ON instances.id = c.instance_id {where} ORDER BY c.id",
                args,
            )
            for entry in entries:
                configurations[entry["instance_id"]][entry["key"]] = entry["value"]
            subscriptions = {
                entry["instance_id"]: entry["id"]
                for entry in db.execute(
                    "SELECT s.instance_id, s.id FROM subscriptions s"
                    f" JOIN instances ON instances.id = s.instance_id {where}",
                    args,
                )
            }
            return [
                self._from_row(
                    row, _with_subscription(configurations[row["id"]], subscriptions.get(row["id"]))
                )
                for row in rows
            ]

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

    def set_health(
        self, instance_id: int, *, valid: bool, auth_lost: str | None, refresh_failures: int
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE instances SET valid = ?, auth_lost = ?, refresh_failures = ? WHERE id = ?",
                (int(valid), auth_lost, refresh_failures, instance_id),
            )

    def issued_tokens(self) -> list[str]:
        with self.transaction() as db:
            return [row["token"] for row in db.execute("SELECT token FROM issued_tokens")]

    def delete_instance(self, instance_id: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM instances WHERE id = ?", (instance_id,))
            db.execute("DELETE FROM subscriptions WHERE instance_id = ?", (instance_id,))

    def write_configuration(self, instance_id: int, configuration: dict[str, str]) -> None:
        """Make the stored configuration equal ``configuration``.

        A key that stays keeps its entry id, because clients address single
        values by that id (PATCH /instances/{id}/configuration/{configId}). The
        subscription id is the platform's, never stored from a client; an
        events-enabled instance gets its subscription here.
        """
        configuration = {
            k: v for k, v in configuration.items() if k != config_rules.SUBSCRIPTION_KEY
        }
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
            url = configuration.get(config_rules.EVENT_CALLBACK_URL.name)
            if config_rules.events_enabled(configuration) and url:
                self.subscribe(instance_id, url)

    def configuration_entries(self, instance_id: int) -> list[tuple[int, str, str]]:
        with self.transaction() as db:
            rows = db.execute(
                "SELECT id, key, value FROM configuration WHERE instance_id = ? ORDER BY id",
                (instance_id,),
            ).fetchall()
        return [(row["id"], row["key"], row["value"]) for row in rows]

    @classmethod
    def _record(cls, db: sqlite3.Connection, row: sqlite3.Row) -> InstanceRecord:
        configuration = {
            entry["key"]: entry["value"]
            for entry in db.execute(
                "SELECT key, value FROM configuration WHERE instance_id = ? ORDER BY id",
                (row["id"],),
            )
        }
        subscription = db.execute(
            "SELECT id FROM subscriptions WHERE instance_id = ?", (row["id"],)
        ).fetchone()
        shown = _with_subscription(configuration, subscription["id"] if subscription else None)
        return cls._from_row(row, shown)

    @staticmethod
    def _from_row(row: sqlite3.Row, configuration: dict[str, str]) -> InstanceRecord:
        return InstanceRecord(
            id=row["id"],
            account_id=row["account_id"],
            name=row["name"],
            token=row["token"],
            tags=json.loads(row["tags"]),
            disabled=bool(row["disabled"]),
            created_date=row["created_date"],
            configuration=configuration,
            valid=bool(row["valid"]),
            auth_lost=row["auth_lost"],
            refresh_failures=row["refresh_failures"],
            element_key=row["element_key"],
            realm_id=row["realm_id"],
        )

    # -- OAuth records -----------------------------------------------------
    def add_request_token(self, token: RequestToken) -> None:
        self._insert("request_tokens", token)

    def get_request_token(self, token: str) -> RequestToken | None:
        row = self._select("request_tokens", "token", token)
        return RequestToken(**row) if row else None

    def add_consent_session(self, session: ConsentSession) -> None:
        self._insert("consent_sessions", session)

    def get_consent_session(self, session_id: str) -> ConsentSession | None:
        row = self._select("consent_sessions", "id", session_id)
        return ConsentSession(**{**row, "used": bool(row["used"])}) if row else None

    def mark_consent_used(self, session_id: str) -> None:
        self._set_flag("consent_sessions", "used", "id", session_id)

    def add_grant(self, grant: Grant) -> None:
        self._insert("grants", grant)

    def get_grant(self, code: str) -> Grant | None:
        row = self._select("grants", "code", code)
        return Grant(**{**row, "spent": bool(row["spent"])}) if row else None

    def spend_grant(self, code: str) -> None:
        self._set_flag("grants", "spent", "code", code)


def _with_subscription(configuration: dict[str, str], subscription: int | None) -> dict[str, str]:
    """The configuration as the platform shows it: an events-enabled instance's
    subscription id among its keys."""
    if subscription is not None and config_rules.events_enabled(configuration):
        return {**configuration, config_rules.SUBSCRIPTION_KEY: str(subscription)}
    return configuration
