"""Who may call: platform secrets, organization isolation, the admin token."""

from __future__ import annotations

import pytest
import requests

from harness.controls import CONTROL_ENDPOINTS
from tests.emulator.emulator_support import create_instance, instance_body, new_grant


def test_missing_header_is_401(emu):
    response = requests.get(emu.base_url + "/instances", timeout=10)
    assert response.status_code == 401
    assert set(response.json()) >= {"requestId", "message"}


@pytest.mark.parametrize(
    "header",
    [
        "User nope, Organization nope",
        "Organization {org}, User {user}",  # documented order only
        "User {user}",
        "Bearer {user}",
        "User {org}, Organization {user}",  # swapped secrets
        "User {user}, Organization {other_org}",  # another organization's secret
    ],
)
def test_wrong_secrets_are_401(emu, header):
    org, user = emu.accounts[0]
    other_org, _ = emu.accounts[1]
    value = header.format(org=org, user=user, other_org=other_org)
    response = emu.api("GET", "/instances", headers={"Authorization": value})
    assert response.status_code == 401, value


def test_extra_spaces_are_tolerated(emu):
    org, user = emu.accounts[0]
    header = f"User   {user} ,   Organization  {org}"
    response = emu.api("GET", "/instances", headers={"Authorization": header})
    assert response.status_code in (200, 404)


def test_auth_is_checked_before_the_body(emu):
    response = requests.post(
        emu.base_url + "/instances",
        data="not json",
        headers={"Content-Type": "text/plain"},
        timeout=10,
    )
    assert response.status_code == 401


def test_another_organizations_instance_is_404(emu):
    created = create_instance(emu, account=0, tags=["owner:a"])
    path = f"/instances/{created['id']}"
    for method, extra in [
        ("GET", {}),
        ("PATCH", {"json": {"name": "stolen"}}),
        ("PUT", {"json": instance_body(None)}),
        ("DELETE", {}),
        ("PUT", {}),
        ("GET", {}),
    ]:
        response = emu.api(method, path, account=1, **extra)
        assert response.status_code == 404, (method, response.text)
        assert "oauth.api" not in response.text
    for suffix in ("/configuration", "/enabled"):
        assert (
            emu.api(
                "GET" if suffix == "/configuration" else "DELETE", path + suffix, account=1
            ).status_code
            == 404
        )
    assert (
        emu.api("GET", "/instances", account=1, params=[("tags[]", "owner:a")]).status_code == 404
    )
    # Still intact for its owner.
    shown = emu.api("GET", path, account=0).json()
    assert shown["name"] != "stolen" and shown["disabled"] is False


def test_organizations_list_only_their_own(emu):
    mine = create_instance(emu, account=1, name="org-b-only")
    ids_a = {item["id"] for item in emu.api("GET", "/instances", account=0).json()}
    assert mine["id"] not in ids_a
    ids_b = {item["id"] for item in emu.api("GET", "/instances", account=1).json()}
    assert mine["id"] in ids_b


def test_a_grant_works_for_any_organization(emu):
    # The grant is bound to the app and company, not to the platform account.
    grant = new_grant(emu)
    assert emu.api("POST", "/instances", account=1, json=instance_body(grant)).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer wrong", "wrong", "User a, Organization b"])
def test_controls_need_the_admin_token(emu, header):
    headers = {"Authorization": header} if header else {}
    root = emu.root_url + "/_emulator"
    for method, path in CONTROL_ENDPOINTS:
        response = requests.request(method, root + path, headers=headers, json={}, timeout=10)
        assert response.status_code == 401, (method, path)


def test_admin_token_is_not_platform_auth(emu):
    response = emu.api("GET", "/instances", headers={"Authorization": f"Bearer {emu.admin_token}"})
    assert response.status_code == 401
