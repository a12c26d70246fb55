"""Re-consent through the real CLI: same company re-authorizes in place, another replaces."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from harness.emulator import writes

from .driver import onboard_over_http

REALM = "9130350000000001"
OTHER_REALM = "9130350000000002"


def code_of(redirect_url: str) -> str:
    return parse_qs(urlsplit(redirect_url).query)["code"][0]


def test_reconsent_same_company_reauthorizes_in_place_another_company_replaces(stack, emu):
    first, redirect = onboard_over_http(stack, REALM)
    codes = [code_of(redirect)]
    assert "creates the instance" in first.stdout
    stack.up()
    instance_id = stack.outputs()["books"]["instance_id"]

    # Same company: the stored grant changes, the instance is re-authorized in place.
    again, redirect = onboard_over_http(stack, REALM)
    codes.append(code_of(redirect))
    assert "re-authorizes the existing instance in place" in again.stdout
    preview = stack.preview("--diff")
    assert "~ pulumi-python:dynamic/quickbooks:Instance: (update)" in preview.stdout
    assert "replace" not in preview.stdout.lower().replace("to replace", "")
    emu.clear_requests()
    stack.up()
    assert writes(emu) == [("PATCH", f"/instances/{instance_id}")]
    assert stack.outputs()["books"]["instance_id"] == instance_id
    # The PATCH carried the new grant as providerData: the platform spent it.
    reuse = emu.api(
        "POST",
        "/instances",
        json={
            "element": {"key": "quickbooks"},
            "providerData": {"code": codes[1], "realmId": REALM},
            "configuration": {
                "oauth.api.key": stack.app.api_key,
                "oauth.api.secret": stack.app.api_secret,
                "oauth.callback.url": stack.app.callback_url,
                "authentication.type": "oauth2",
                "event.notification.enabled": "false",
            },
            "name": "reuse",
        },
    )
    assert reuse.status_code == 400 and "already exchanged" in reuse.json()["message"]

    # Another company: preview says replace, up creates a new instance and deletes the old.
    other, redirect = onboard_over_http(stack, OTHER_REALM)
    codes.append(code_of(redirect))
    assert f"previous grant was for company {REALM}" in other.stdout
    assert "replaces the instance" in other.stdout
    new_id = stack.up_replacing("books", instance_id)
    live = emu.api("GET", f"/instances/{new_id}").json()
    assert live["configuration"]["quickbooks.realm.id"] == OTHER_REALM
    assert stack.outputs()["books"]["realm_id"] == OTHER_REALM

    for finished in (first, again, other):
        for code in codes:
            assert code not in finished.output
    for code in codes:
        assert code not in "\n".join(stack.transcript)
        assert code not in stack.config_path.read_text()
