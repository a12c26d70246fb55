"""The OAuth consent flow, 2.0 and 1.0a, and the single-use grants it issues."""

from __future__ import annotations

import re
import time

import pytest
import requests

from harness.companies import TEST_COMPANIES
from harness.consent import ConsentError
from harness.emulator import start_emulator
from tests.emulator.emulator_support import (
    API_KEY,
    API_SECRET,
    CALLBACK,
    REALM_US1,
    REALM_US2,
    configuration,
    instance_body,
    new_grant,
)

COMPANIES = {
    "9130350000000001": "Sandbox Company US 1",
    "9130350000000002": "Sandbox Company US 2",
    "9130350000000003": "Sandbox Company UK",
}


def oauth_url(emu, **params):
    query = {"apiKey": API_KEY, "apiSecret": API_SECRET, "callbackUrl": CALLBACK, "state": "s-1"}
    query.update(params)
    return requests.get(emu.base_url + "/elements/quickbooks/oauth/url", params=query, timeout=10)


def test_oauth2_url_points_at_the_consent_page(emu):
    response = oauth_url(
        emu, **{"authentication.type": "oauth2", "scope": "com.intuit.quickbooks.accounting"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"element", "oauthUrl"}
    assert body["element"] == "quickbooks"
    assert body["oauthUrl"].startswith(emu.root_url + "/oauth/consent?session=")


def consent_page(emu) -> str:
    url = oauth_url(emu, **{"authentication.type": "oauth2"}).json()["oauthUrl"]
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    return page.text


def radios(html: str) -> list[tuple[str, bool]]:
    found = re.findall(r'<input type="radio" name="realm_id" value="(\d+)"( checked)?', html)
    return [(realm, bool(checked)) for realm, checked in found]


def test_consent_page_lists_the_three_companies_by_default():
    with start_emulator() as emu:
        html = consent_page(emu)
    assert 'id="consent"' in html
    for realm_id, name in COMPANIES.items():
        assert name in html and f'value="{realm_id}"' in html
    assert radios(html) == [(realm, realm == REALM_US1) for realm in COMPANIES]
    assert re.search(r'<button[^>]*id="authorize"[^>]*>Authorize</button>', html)
    assert re.search(r'<button[^>]*id="deny"[^>]*>Deny</button>', html)


def test_more_companies_follow_the_sandbox_ones(emu):
    # The module's emulator runs with --companies TEST_COMPANIES.
    html = consent_page(emu)
    offered = [realm for realm, _ in radios(html)]
    assert len(offered) == TEST_COMPANIES
    assert offered[:3] == list(COMPANIES)
    assert offered[3:5] == ["9130350000000004", "9130350000000005"]
    assert "Generated Company 4" in html
    last = offered[-1]
    grant = emu.grant(API_KEY, API_SECRET, CALLBACK, realm_id=last)
    assert grant["realmId"] == last


def test_a_company_past_the_offered_ones_is_refused():
    with start_emulator(extra_args=("--companies", "4")) as emu:
        assert [realm for realm, _ in radios(consent_page(emu))][-1] == "9130350000000004"
        with pytest.raises(ConsentError, match="Choose one of the listed companies"):
            emu.grant(API_KEY, API_SECRET, CALLBACK, realm_id="9130350000000005")


def test_oauth2_authorize_redirects_with_code_realm_and_state(emu):
    grant = emu.grant(API_KEY, API_SECRET, CALLBACK, realm_id=REALM_US2)
    assert set(grant) == {"code", "realmId", "state"}
    assert grant["realmId"] == REALM_US2
    assert len(grant["code"]) >= 20


def test_redirect_keeps_the_callbacks_own_query_and_passes_state(emu):
    url = oauth_url(
        emu, callbackUrl=CALLBACK + "?stack=dev", state="xyz", **{"authentication.type": "oauth2"}
    ).json()["oauthUrl"]
    session = url.split("session=")[1]
    answer = requests.post(
        emu.root_url + "/oauth/consent",
        data={"session": session, "realm_id": REALM_US1, "decision": "authorize"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(CALLBACK + "?stack=dev&code=")
    assert "state=xyz" in location and f"realmId={REALM_US1}" in location


def test_deny_redirects_with_access_denied(emu):
    result = emu.grant(API_KEY, API_SECRET, CALLBACK, deny=True)
    assert result["error"] == "access_denied"
    assert set(result) == {"error", "state"}


def test_a_consent_link_works_once(emu):
    url = oauth_url(emu, **{"authentication.type": "oauth2"}).json()["oauthUrl"]
    session = url.split("session=")[1]
    form = {"session": session, "realm_id": REALM_US1, "decision": "authorize"}
    first = requests.post(
        emu.root_url + "/oauth/consent", data=form, allow_redirects=False, timeout=10
    )
    assert first.status_code == 302
    second = requests.post(
        emu.root_url + "/oauth/consent", data=form, allow_redirects=False, timeout=10
    )
    assert second.status_code == 400
    assert requests.get(url, timeout=10).status_code == 400


def test_unknown_realm_is_refused_on_the_page(emu):
    url = oauth_url(emu, **{"authentication.type": "oauth2"}).json()["oauthUrl"]
    form = {"session": url.split("session=")[1], "realm_id": "123", "decision": "authorize"}
    answer = requests.post(
        emu.root_url + "/oauth/consent", data=form, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 400


@pytest.mark.parametrize(
    ("drop", "named"),
    [(["apiKey"], ["apiKey"]), (["apiKey", "apiSecret"], ["apiKey", "apiSecret"])],
)
def test_missing_app_credentials_are_named(emu, drop, named):
    query = {
        "apiKey": API_KEY,
        "apiSecret": API_SECRET,
        "callbackUrl": CALLBACK,
        "authentication.type": "oauth2",
    }
    for name in drop:
        del query[name]
    for path in ("/elements/quickbooks/oauth/url", "/elements/quickbooks/oauth/token"):
        response = requests.get(emu.base_url + path, params=query, timeout=10)
        assert response.status_code == 400
        for name in named:
            assert name in response.json()["message"]


def test_oauth1_flow_creates_an_instance(emu):
    token = requests.get(
        emu.base_url + "/elements/quickbooks/oauth/token",
        params={"apiKey": API_KEY, "apiSecret": API_SECRET, "callbackUrl": CALLBACK},
        timeout=10,
    )
    assert token.status_code == 200 and set(token.json()) == {"token", "secret"}

    grant = emu.grant(API_KEY, API_SECRET, CALLBACK, realm_id=REALM_US2, oauth1=True)
    assert set(grant) == {
        "oauth_token",
        "oauth_verifier",
        "realmId",
        "dataSource",
        "state",
        "secret",
    }
    assert grant["dataSource"] == "QBO" and grant["realmId"] == REALM_US2
    config = configuration()
    del config["authentication.type"], config["scope"]
    body = instance_body(None, config=config)
    body["providerData"] = grant
    created = emu.api("POST", "/instances", json=body)
    assert created.status_code == 200, created.text
    shown = emu.api("GET", f"/instances/{created.json()['id']}").json()
    assert shown["configuration"]["quickbooks.realm.id"] == REALM_US2
    again = emu.api("POST", "/instances", json=body)
    assert again.status_code == 400 and "invalid or already used" in again.json()["message"]


def test_oauth1_needs_a_known_request_token(emu):
    response = oauth_url(emu, requestToken="made-up")
    assert response.status_code == 400
    response = oauth_url(emu)  # neither oauth2 nor a request token
    assert response.status_code == 400 and "requestToken" in response.json()["message"]


def test_oauth1_verifier_must_match(emu):
    grant = emu.grant(API_KEY, API_SECRET, CALLBACK, oauth1=True)
    config = configuration()
    del config["authentication.type"]
    body = instance_body(None, config=config)
    body["providerData"] = {**grant, "oauth_verifier": "guessed"}
    response = emu.api("POST", "/instances", json=body)
    assert response.status_code == 400 and "invalid or already used" in response.json()["message"]
    body["providerData"] = grant  # the refusal did not spend it
    assert emu.api("POST", "/instances", json=body).status_code == 200


def test_codes_are_single_use(emu):
    grant = new_grant(emu)
    assert emu.api("POST", "/instances", json=instance_body(grant)).status_code == 200
    again = emu.api("POST", "/instances", json=instance_body(grant))
    assert again.status_code == 400
    message = again.json()["message"]
    assert "invalid or already used" in message
    assert grant["code"] not in message and API_SECRET not in message


def test_made_up_code_is_invalid(emu):
    response = emu.api(
        "POST", "/instances", json=instance_body({"code": "AB11made-up", "realmId": REALM_US1})
    )
    assert response.status_code == 400 and "invalid or already used" in response.json()["message"]


def test_code_is_bound_to_the_app(emu):
    grant = emu.grant("other-app-key", API_SECRET, CALLBACK)
    response = emu.api("POST", "/instances", json=instance_body(grant))
    assert response.status_code == 400 and "another app" in response.json()["message"]


def test_code_is_bound_to_the_realm(emu):
    grant = new_grant(emu, realm_id=REALM_US1)
    response = emu.api(
        "POST", "/instances", json=instance_body({"code": grant["code"], "realmId": REALM_US2})
    )
    assert response.status_code == 400 and "realmId" in response.json()["message"]


def test_oauth2_grant_needs_authentication_type_oauth2(emu):
    config = configuration()
    del config["authentication.type"]
    response = emu.api("POST", "/instances", json=instance_body(new_grant(emu), config=config))
    assert response.status_code == 400 and "authentication.type" in response.json()["message"]


def test_codes_expire_after_code_ttl():
    with start_emulator(extra_args=("--code-ttl", "1")) as emu:
        fresh = new_grant(emu)
        stale = new_grant(emu)
        assert emu.api("POST", "/instances", json=instance_body(fresh)).status_code == 200
        time.sleep(1.2)
        response = emu.api("POST", "/instances", json=instance_body(stale))
        assert response.status_code == 400
        assert "invalid or already used" in response.json()["message"]
        assert "expired" in response.json()["message"]


def test_code_is_bound_to_the_callback_url(emu):
    grant = emu.grant(API_KEY, API_SECRET, "https://elsewhere.example.test/cb")
    response = emu.api("POST", "/instances", json=instance_body(grant))
    assert response.status_code == 400 and "oauth.callback.url" in response.json()["message"]


def test_oauth1_grant_refuses_authentication_type_oauth2(emu):
    grant = emu.grant(API_KEY, API_SECRET, CALLBACK, oauth1=True)
    body = instance_body(None)  # configuration says oauth2
    body["providerData"] = grant
    response = emu.api("POST", "/instances", json=body)
    assert response.status_code == 400 and "authentication.type" in response.json()["message"]
