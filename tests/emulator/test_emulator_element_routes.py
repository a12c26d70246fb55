"""What real clients expect: the token on reads, and the element-scoped instance routes
(`/elements/{keyOrId}/instances[/{id}]`), where a PUT carries the instance as read."""

from __future__ import annotations

import pytest

from harness.emulator import register_instance_tokens
from harness.leaks import SECRETS
from tests.emulator.emulator_support import (
    configuration,
    create_instance,
    instance_body,
    new_grant,
    reauthorize,
)

ELEMENT_ID = "1012"


def test_every_issued_token_joins_the_leak_scan(emu):
    kept, deleted = create_instance(emu), create_instance(emu)
    assert emu.api("DELETE", f"/instances/{deleted['id']}").status_code == 200
    register_instance_tokens(emu)
    for token in (kept["token"], deleted["token"]):
        assert SECRETS.found_in(f"a log line quoting {token}") == [("instance token", 1)]


def test_reads_carry_the_token_that_the_element_header_takes(emu):
    created = create_instance(emu, tags=["token-read"])
    shown = emu.api("GET", f"/instances/{created['id']}").json()
    assert shown["token"] == created["token"]
    listed = emu.api("GET", "/instances", params={"tags[]": "token-read"}).json()
    assert [entry["token"] for entry in listed] == [created["token"]]
    # What a client such as cectl does with it: the instance's own call.
    org, user = emu.accounts[0]
    header = f"User {user}, Organization {org}, Element {shown['token']}"
    assert emu.api("DELETE", "/instances/enabled", headers={"Authorization": header}).ok
    assert emu.api("GET", f"/instances/{created['id']}").json()["disabled"] is True


@pytest.mark.parametrize("key_or_id", ["quickbooks", ELEMENT_ID])
def test_scoped_reads_match_the_unscoped_ones(emu, key_or_id):
    created = create_instance(emu, tags=[f"scoped-{key_or_id}"])
    scoped = f"/elements/{key_or_id}/instances"
    one = emu.api("GET", f"{scoped}/{created['id']}")
    assert one.status_code == 200
    assert one.json() == emu.api("GET", f"/instances/{created['id']}").json()
    listed = emu.api("GET", scoped, params={"tags[]": f"scoped-{key_or_id}"})
    assert [entry["id"] for entry in listed.json()] == [created["id"]]


@pytest.mark.parametrize("key_or_id", ["salesforce", "1013", "quickbooks-x"])
def test_another_element_is_404(emu, key_or_id):
    created = create_instance(emu)
    for method, path in [
        ("GET", "/instances"),
        ("GET", f"/instances/{created['id']}"),
        ("DELETE", f"/instances/{created['id']}"),
    ]:
        response = emu.api(method, f"/elements/{key_or_id}{path}")
        assert response.status_code == 404, (method, path)
        assert key_or_id in response.json()["message"]
    assert emu.api("GET", f"/instances/{created['id']}").status_code == 200


def test_scoped_create_may_leave_the_element_out(emu):
    body = instance_body(new_grant(emu), name="scoped create")
    del body["element"]
    response = emu.api("POST", "/elements/quickbooks/instances", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["token"] and response.json()["name"] == "scoped create"


def test_scoped_create_refuses_another_element_in_the_body(emu):
    body = instance_body(new_grant(emu))
    body["element"] = {"key": "salesforce"}
    response = emu.api("POST", "/elements/quickbooks/instances", json=body)
    assert response.status_code == 400 and "salesforce" in response.json()["message"]


def test_put_of_the_instance_as_read_turns_events_on(emu):
    """cectl's `instances events-enable`: GET the instance, change its configuration,
    PUT it back whole (masked secrets, read-only fields and all)."""
    created = create_instance(emu)
    path = f"/instances/{created['id']}"
    as_read = emu.api("GET", path).json()
    realm = as_read["configuration"]["quickbooks.realm.id"]
    assert as_read["configuration"]["oauth.api.secret"] == "********"
    as_read["configuration"].update(
        {
            "event.notification.enabled": "true",
            "event.notification.callback.url": "https://hooks.example.test/cectl",
            "event.poller.urls": "invoices",
        }
    )
    # Read-only fields, even changed, are not written back.
    as_read.update({"disabled": True, "valid": False, "token": "forged-token-value"})
    response = emu.api(
        "PUT", f"/elements/quickbooks{path}", params={"reAuthenticate": "false"}, json=as_read
    )
    assert response.status_code == 200, response.text
    shown = emu.api("GET", path).json()
    assert shown["eventsEnabled"] is True
    assert shown["configuration"]["event.notification.callback.url"].endswith("/cectl")
    assert (shown["disabled"], shown["valid"]) == (False, True)
    assert shown["token"] == created["token"]
    # The masked secret kept the stored value: a grant bound to the real one still works.
    reauth = reauthorize(emu, f"/elements/{ELEMENT_ID}{path}", realm)
    assert reauth.status_code == 200, reauth.text
    assert reauth.json()["configuration"]["quickbooks.realm.id"] == realm


def test_unknown_fields_are_still_refused(emu):
    created = create_instance(emu)
    body = {**instance_body(None, config=configuration()), "colour": "blue"}
    response = emu.api("PUT", f"/elements/quickbooks/instances/{created['id']}", json=body)
    assert response.status_code == 400 and "colour" in response.json()["message"]


def test_scoped_delete(emu):
    created = create_instance(emu)
    path = f"/elements/quickbooks/instances/{created['id']}"
    assert emu.api("DELETE", path).status_code == 200
    assert emu.api("GET", path).status_code == 404
