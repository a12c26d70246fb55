"""Isolation: organizations cannot see each other, secrets are checked, the emulator's
controls need their own token, and the provider touches only instances it owns
(or was told to adopt)."""

from __future__ import annotations

import pytest

from harness.controls import CONTROL_ENDPOINTS
from harness.leaks import dumps, scan
from provider.errors import AuthenticationFailed

from .engine import Resource, assert_converged, desired, live_config, make_by_hand, owned
from .front_ends import FRONT_ENDS

# What the provider does runs on both front-ends; what the emulator refuses (another
# organization's calls, wrong secrets, its controls) involves no provider, and runs once.
both_front_ends = pytest.mark.parametrize("front_end", FRONT_ENDS)


def test_another_organization_gets_404_for_every_verb_and_sees_nothing(emu, ours):
    path = f"/instances/{ours.id}"
    for method, body in (("GET", None), ("PATCH", {"name": "Taken"}), ("DELETE", None)):
        response = emu.api(method, path, account=1, json=body)
        assert response.status_code == 404, (method, response.text)
        assert ours.raw["name"] not in response.text
    assert ours.id not in owned(emu, ours.raw["ownership_tag"], account=1)
    listed = emu.api("GET", "/instances", account=1)
    assert listed.status_code == 404 or all(str(i["id"]) != ours.id for i in listed.json())
    assert live_config(emu, ours.id)["name"] == ours.raw["name"]  # untouched


@both_front_ends
def test_a_provider_of_another_organization_cannot_read_change_or_delete(emu, make_provider, ours):
    theirs = make_provider(account=1)
    assert theirs.read(ours.id, ours.outs).id is None  # invisible, i.e. gone for them
    with pytest.raises(Exception, match="HTTP 404"):
        theirs.update(ours.id, ours.outs, {**ours.inputs, "name": "Taken"})
    theirs.delete(ours.id, ours.outs)  # "already gone" for them ...
    assert_converged(emu, make_provider(), ours)  # ... and untouched in fact


@pytest.mark.parametrize(
    "header",
    [
        None,
        "User nobody, Organization nobody",
        "Bearer {admin}",
        "User {user}, Organization wrong-org-secret",
        "User wrong-user-secret, Organization {org}",
        "Organization {org}, User {user}",
    ],
    ids=["missing", "unknown", "admin-token", "wrong-org", "wrong-user", "swapped"],
)
def test_wrong_or_missing_secrets_get_401(emu, ours, header):
    org, user = emu.accounts[0]
    headers = (
        {}
        if header is None
        else {"Authorization": header.format(org=org, user=user, admin=emu.admin_token)}
    )
    response = emu.http.get(f"{emu.base_url}/instances/{ours.id}", headers=headers, timeout=10)
    assert response.status_code == 401, response.text
    assert not scan("emulator 401 answer", response.text)


@both_front_ends
def test_the_provider_reports_a_wrong_secret_without_showing_any(emu, app, make_provider, ours):
    wrong = make_provider(**{"quickbooks:userSecret": "wrong-user-secret-0123456789"})
    with pytest.raises(AuthenticationFailed) as failure:
        wrong.read(ours.id, ours.outs)
    text = str(failure.value)
    # The refresh's first call is the run's list of the organization's instances.
    assert "list instances of the organization" in text and "HTTP 401" in text
    assert "wrong-user-secret-0123456789" not in text and not scan("exception text", text)


@pytest.mark.parametrize("method, path", CONTROL_ENDPOINTS)
@pytest.mark.parametrize("header", ["none", "platform", "wrong-bearer"])
def test_emulator_controls_need_the_admin_token(emu, method, path, header):
    org, user = emu.accounts[0]
    headers = {
        "none": {},
        "platform": {"Authorization": f"User {user}, Organization {org}"},
        "wrong-bearer": {"Authorization": "Bearer not-the-admin-token"},
    }[header]
    body = {"method": "GET", "path": "/instances", "kind": "status", "status": 500}
    response = emu.http.request(
        method, f"{emu.root_url}/_emulator{path}", headers=headers, json=body, timeout=10
    )
    assert response.status_code == 401, response.text
    assert emu.faults() == []  # nothing was added behind the check


@both_front_ends
def test_create_and_destroy_never_touch_a_look_alike_without_the_ownership_tag(
    emu, app, make_provider, grant
):
    """Made by hand with the same name and the same tags, only the ownership tag missing
    (or another stack's): never adopted, changed or deleted."""
    resource = Resource(desired(grant()))
    tag = resource.raw["ownership_tag"]
    twins = [
        make_by_hand(emu, app, grant(), resource.raw["name"], resource.raw["tags"]),
        make_by_hand(
            emu, app, grant(), resource.raw["name"], [*resource.raw["tags"], tag + "-other"]
        ),
        make_by_hand(emu, app, grant(), resource.raw["name"], [*resource.raw["tags"], tag.upper()]),
    ]
    before = {twin: live_config(emu, twin) for twin in twins}
    emu.clear_requests()
    resource.check(make_provider()).create(make_provider())
    resource.up(make_provider(), refresh=True)
    instance_id = resource.id
    resource.destroy(make_provider())
    touched = [
        (r["method"], r["path"])
        for r in emu.requests()
        if any(r["path"].endswith(f"/instances/{twin}") for twin in twins)
    ]
    assert touched == [] and instance_id not in twins
    assert {twin: live_config(emu, twin) for twin in twins} == before
    assert not scan("emulator request log", dumps(emu.requests()))


@both_front_ends
def test_an_instance_made_by_hand_is_taken_over_only_through_adopt_id(
    emu, app, make_provider, grant
):
    hand = make_by_hand(emu, app, grant(), "Made by hand", ["env:test"])
    raw = desired(grant(), adopt_id=hand)
    raw.pop("oauth")
    resource = Resource(raw).check(make_provider())
    resource.create(make_provider())
    assert resource.id == hand
    assert owned(emu, raw["ownership_tag"]) == [hand]
    live = live_config(emu, hand)
    assert live["name"] == raw["name"] and raw["ownership_tag"] in live["tags"]
