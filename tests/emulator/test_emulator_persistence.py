"""--db: everything survives a restart, secrets included."""

from __future__ import annotations

import time

from harness.emulator import start_emulator
from tests.emulator.emulator_support import (
    CallbackServer,
    create_instance,
    events_configuration,
    instance_body,
    new_grant,
    old_database,
)


def test_state_survives_a_restart(tmp_path):
    db = tmp_path / "emulator.sqlite"
    with start_emulator(db=db) as first:
        created = create_instance(first, name="survivor", tags=["keep"])
        spent = new_grant(first)
        assert first.api("POST", "/instances", json=instance_body(spent)).status_code == 200
        unspent = new_grant(first)
        accounts, admin_token = first.accounts, first.admin_token
        config_ids = first.api("GET", f"/instances/{created['id']}/configuration").json()

    with start_emulator(db=db) as second:
        # Same secrets printed again, and they still work.
        assert second.accounts == accounts
        assert second.admin_token == admin_token
        assert second.requests() == []  # the log is not part of the stored state

        shown = second.api("GET", f"/instances/{created['id']}")
        assert shown.status_code == 200, shown.text
        assert shown.json()["name"] == "survivor" and shown.json()["tags"] == ["keep"]
        assert second.api("GET", f"/instances/{created['id']}/configuration").json() == config_ids

        again = second.api("POST", "/instances", json=instance_body(spent))
        assert again.status_code == 400 and "invalid or already used" in again.json()["message"]

        later = second.api("POST", "/instances", json=instance_body(unspent))
        assert later.status_code == 200, later.text
        assert later.json()["id"] > created["id"] + 1


def test_given_secrets_are_stored_and_reused(tmp_path):
    db = tmp_path / "emulator.sqlite"
    account = ("org-secret-given", "user-secret-given")
    with start_emulator(db=db, accounts=[account], admin_token="admin-given") as first:
        created = create_instance(first)
    with start_emulator(db=db) as second:
        assert second.accounts == [account]
        assert second.admin_token == "admin-given"
        assert second.api("GET", f"/instances/{created['id']}").status_code == 200
    with start_emulator(db=db, admin_token="admin-replaced", accounts=[("org-2", "user-2")]):
        pass
    with start_emulator(db=db) as third:
        assert third.admin_token == "admin-replaced"
        assert third.accounts == [account, ("org-2", "user-2")]
        assert third.api("GET", "/instances", account=1).status_code == 404


def test_without_db_state_is_not_kept():
    with start_emulator() as first:
        create_instance(first)
        accounts = first.accounts
    with start_emulator() as second:
        assert second.accounts != accounts
        assert second.api("GET", "/instances").status_code == 404


def test_a_delivery_cut_short_by_a_restart_ends_queued(tmp_path):
    db = tmp_path / "emulator.sqlite"
    with CallbackServer(fail_first=100) as receiver:
        # Second-scale back-off: the delivery is still pending when the emulator stops.
        with start_emulator(db=db, fast_retries=False) as first:
            created = create_instance(first, config=events_configuration(receiver.url))
            delivery_id = first.send_event(created["id"], "invoices")
            deadline = time.monotonic() + 5
            while first.delivery(delivery_id)["attempts"] < 1 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert first.delivery(delivery_id) == {
                "deliveryId": delivery_id,
                "status": "pending",
                "attempts": 1,
            }
    # Queued, not lost: a PUT of the queued deliveries sends it again.
    with start_emulator(db=db) as second:
        assert second.delivery(delivery_id) == {
            "deliveryId": delivery_id,
            "status": "queued",
            "attempts": 1,
        }


def test_a_database_from_before_connection_health_reads_healthy(tmp_path):
    with old_database(
        tmp_path,
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " org_secret TEXT NOT NULL UNIQUE, user_secret TEXT NOT NULL)",
        "CREATE TABLE instances (id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " account_id INTEGER NOT NULL REFERENCES accounts(id), name TEXT NOT NULL,"
        " token TEXT NOT NULL UNIQUE, tags TEXT NOT NULL,"
        " disabled INTEGER NOT NULL DEFAULT 0, created_date TEXT NOT NULL)",
        "INSERT INTO accounts VALUES (1, 'org', 'user')",
        "INSERT INTO instances VALUES (1, 1, 'old', 'tok-old-1', '[]', 0, '-')",
    ) as store:
        record = store.get_instance(1)
        assert (record.valid, record.auth_lost, record.refresh_failures) == (True, None, 0)


def test_a_database_of_an_older_emulator_gets_the_platforms_company_key(tmp_path):
    """An older emulator kept the company as the configuration key realmId (in no source);
    opened again, the database holds it as quickbooks.realm.id (devportal
    quickbooksonline/authenticate.md) and as the instance's binding."""
    from emulator.store import Store

    path = str(tmp_path / "old.db")
    store = Store(path)
    store.add_account("org", "user")
    instance_id = store.insert_instance(
        account_id=1,
        name="old",
        token="tok",
        tags=[],
        created_date="2026-01-01T00:00:00Z",
        configuration={"realmId": "9130350000000002", "oauth.api.key": "k"},
        element_key="quickbooks",
        realm_id=None,
    )
    store.close()
    reopened = Store(path)
    record = reopened.get_instance(instance_id)
    reopened.close()
    assert record is not None and record.realm_id == "9130350000000002"
    assert record.configuration == {
        "quickbooks.realm.id": "9130350000000002",
        "oauth.api.key": "k",
    }
