"""The request log, and that no secret shows up in it or in any error body."""

from __future__ import annotations

import json

import pytest
import requests

from tests.emulator.emulator_support import (
    API_SECRET,
    CALLBACK,
    configuration,
    create_instance,
    instance_body,
    new_grant,
    oauth2_provider_data,
)


def test_entries_are_oldest_first_with_the_documented_fields(emu):
    emu.api("GET", "/instances/123")
    emu.api("GET", "/instances", params={"searchText": "abc"})
    entries = emu.requests()
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/elements/api-v2/instances/123", 404),
        ("GET", "/elements/api-v2/instances", 404),
    ]
    assert all(set(e) == {"method", "path", "query", "status", "duration_ms"} for e in entries)
    assert entries[1]["query"] == "searchText=abc"
    assert all(isinstance(e["duration_ms"], float | int) and e["duration_ms"] >= 0 for e in entries)


def test_controls_are_not_logged_and_clear_empties(emu):
    emu.faults()
    emu.requests()
    assert emu.requests() == []
    emu.api("GET", "/instances")
    assert len(emu.requests()) == 1
    emu.clear_requests()
    assert emu.requests() == []


def test_consent_pages_are_logged_with_secrets_redacted(emu):
    new_grant(emu)
    entries = emu.requests()
    paths = [(e["method"], e["path"]) for e in entries]
    assert paths == [
        ("GET", "/elements/api-v2/elements/quickbooks/oauth/url"),
        ("GET", "/oauth/consent"),
        ("POST", "/oauth/consent"),
    ]
    assert "apiKey=***" in entries[0]["query"] and "apiSecret=***" in entries[0]["query"]
    assert "callbackUrl=" in entries[0]["query"]
    assert entries[1]["query"] == "session=***"
    assert entries[2]["status"] == 302


def test_oauth1_query_secrets_are_redacted(emu):
    query = {
        "apiKey": "k",
        "apiSecret": "s",
        "callbackUrl": CALLBACK,
        "requestToken": "rt",
        "oauth_token": "ot",
        "oauth_verifier": "ov",
        "code": "c",
        "client_secret": "cs",
        "state": "visible",
    }
    requests.get(emu.base_url + "/elements/quickbooks/oauth/url", params=query, timeout=5)
    logged = emu.requests()[0]["query"]
    for name in (
        "apiKey",
        "apiSecret",
        "requestToken",
        "oauth_token",
        "oauth_verifier",
        "code",
        "client_secret",
    ):
        assert f"{name}=***" in logged
    assert "state=visible" in logged


def test_no_secret_appears_in_the_log_or_in_error_bodies(emu):
    signature_key = "sig-key-never-shown-71"
    config = configuration({"event.notification.signature.key": signature_key})
    grant = new_grant(emu)
    created = emu.api("POST", "/instances", json=instance_body(grant, config=config)).json()
    path = f"/instances/{created['id']}"
    org, user = emu.accounts[0]
    other_org, other_user = emu.accounts[1]
    secrets = {
        API_SECRET,
        org,
        user,
        other_org,
        other_user,
        grant["code"],
        created["token"],
        signature_key,
        emu.admin_token,
    }
    oauth1 = emu.grant("app-key-7f3a", API_SECRET, CALLBACK, oauth1=True)
    secrets |= {oauth1["oauth_token"], oauth1["oauth_verifier"], oauth1["secret"]}

    bodies = [
        emu.api("POST", "/instances", json=instance_body(grant, config=config)),  # spent code
        emu.api(
            "POST",
            "/instances",
            json=instance_body(grant, config=configuration({"oauth.api.secret": 5})),
        ),
        emu.api(
            "POST",
            "/instances",
            json={**instance_body(None), "providerData": oauth1 | {"oauth_verifier": "x"}},
        ),
        emu.api("GET", path, headers={"Authorization": f"User {user}, Organization {other_org}"}),
        emu.api(
            "GET", path, headers={"Authorization": f"User {user}, Organization {org}, Element nope"}
        ),
        emu.api("GET", path, account=1),
        emu.api("PATCH", path, json={"providerData": oauth2_provider_data(grant)}),
        emu.api("PATCH", path, json={"configuration": {"event.notification.signature.key": 7}}),
        emu.api(
            "POST",
            "/instances",
            data="{" + API_SECRET,
            headers={"Content-Type": "application/json"},
        ),
        requests.get(
            emu.base_url + "/elements/quickbooks/oauth/url",
            params={"apiKey": "k", "apiSecret": API_SECRET, "callbackUrl": "not a url"},
            timeout=5,
        ),
        requests.get(
            emu.root_url + "/_emulator/requests",
            headers={"Authorization": f"Bearer {API_SECRET}"},
            timeout=5,
        ),
    ]
    for response in bodies:
        assert response.status_code >= 400, response.text
        for secret in secrets:
            assert secret not in response.text, (secret, response.text)

    # Reads show the instance token to its organization (as the platform does), and
    # nothing else secret.
    shown = json.dumps(emu.api("GET", path).json())
    shown += json.dumps(emu.api("GET", path + "/configuration").json())
    shown += json.dumps(emu.api("GET", "/instances").json())
    log = json.dumps(emu.requests())
    for secret in secrets:
        assert secret not in log, secret
        assert secret not in shown.replace(created["token"], ""), secret


def test_status_of_reset_requests_is_0(emu):
    create_instance(emu)
    emu.clear_requests()
    emu.add_fault("GET", "/instances", kind="reset")
    with pytest.raises(requests.ConnectionError):
        emu.api("GET", "/instances")
    assert [e["status"] for e in emu.requests()] == [0]
