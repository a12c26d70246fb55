"""--db: everything survives a restart, secrets included."""

from __future__ import annotations

from emulator_support import create_instance, instance_body, new_grant

from emulator.harness import start_emulator


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
        second.requests()

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


def test_without_db_state_is_not_kept():
    with start_emulator() as first:
        create_instance(first)
        accounts = first.accounts
    with start_emulator() as second:
        assert second.accounts != accounts
        assert second.api("GET", "/instances").status_code == 404
