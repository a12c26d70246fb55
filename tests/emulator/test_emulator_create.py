"""The /instances API: create, and every way a create body is refused."""

from __future__ import annotations

import re

import pytest

from tests.emulator.answer_shapes import CREATE_FIELDS, ELEMENT_FIELDS, USER_FIELDS, assert_error
from tests.emulator.emulator_support import (
    CALLBACK,
    REALM_US1,
    configuration,
    create_instance,
    events_configuration,
    instance_body,
    new_grant,
)

# -- create ----------------------------------------------------------------


def test_create_returns_the_documented_shape(emu):
    """devportal quickbooksonline/authenticate.md (the OAuth 2.0 create answer: element 39,
    hub finance, configuration, user, ...); churros instances.js (oauth.api.key and
    oauth.api.secret masked in the create answer)."""
    created = create_instance(emu, name="books", tags=["team:finance"])
    assert set(created) == CREATE_FIELDS
    assert set(created["element"]) == ELEMENT_FIELDS
    assert created["element"]["key"] == "quickbooks"
    assert created["element"]["id"] == created["elementId"] == 39
    assert created["element"]["hub"] == "finance"
    assert created["element"]["hookName"] == "QuickBooksOnline"
    assert set(created["user"]) == USER_FIELDS and isinstance(created["user"]["id"], int)
    assert created["externalAuthentication"] == "none"
    assert created["traceLoggingEnabled"] is False
    assert created["configuration"]["oauth.api.key"] == "********"
    assert created["configuration"]["oauth.api.secret"] == "********"
    assert isinstance(created["id"], int)
    assert created["name"] == "books"
    assert created["token"] and isinstance(created["token"], str)
    assert created["provisionInteractions"] == []
    assert created["valid"] is True and created["disabled"] is False
    assert created["eventsEnabled"] is False
    assert created["tags"] == ["team:finance"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created["createdDate"])


def test_creating_twice_with_the_same_body_makes_two_instances(emu):
    first = create_instance(emu, name="twin")
    second = create_instance(emu, name="twin")
    assert second["id"] > first["id"]
    assert first["token"] != second["token"]
    listed = emu.api("GET", "/instances", params={"searchText": "twin"}).json()
    assert {first["id"], second["id"]} <= {item["id"] for item in listed}


def test_missing_required_keys_are_all_named(emu):
    response = emu.api(
        "POST",
        "/instances",
        json=instance_body(new_grant(emu), config={"event.notification.enabled": "true"}),
    )
    message = assert_error(response, 400)
    for key in (
        "oauth.api.key",
        "oauth.api.secret",
        "oauth.callback.url",
        "event.notification.callback.url",
        "event.poller.urls",
    ):
        assert key in message


def test_event_keys_are_required_only_when_events_are_enabled(emu):
    response = emu.api("POST", "/instances", json=instance_body(new_grant(emu), config={}))
    message = assert_error(response, 400, "event.notification.enabled", "oauth.api.key")
    assert "event.poller.urls" not in message


def test_configuration_values_must_be_strings(emu):
    config = configuration({"event.notification.enabled": False, "filter.response.nulls": 1})
    response = emu.api("POST", "/instances", json=instance_body(new_grant(emu), config=config))
    assert_error(response, 400, "event.notification.enabled", "filter.response.nulls")


def test_unknown_poller_resources_are_named(emu):
    config = events_configuration("https://hooks.example.test/x", "invoices|widgets|bills|gadgets")
    response = emu.api("POST", "/instances", json=instance_body(new_grant(emu), config=config))
    message = assert_error(response, 400, "widgets", "gadgets")
    assert "'bills'" not in message.split(";")[0]


def test_all_22_documented_resources_are_accepted(emu):
    resources = (
        "bill-payments|bills|classes|credit-memos|credit-terms|currencies|customers|employees|"
        "invoices|journal-entries|ledger-accounts|payment-methods|payments|products|"
        "purchase-orders|refund-receipts|sales-receipts|tax-codes|tax-rates|time-activities|"
        "vendor-credits|vendors"
    )
    created = create_instance(
        emu, config=events_configuration("https://hooks.example.test/x", resources)
    )
    assert created["eventsEnabled"] is True
    shown = emu.api("GET", f"/instances/{created['id']}").json()["configuration"]
    assert shown["event.poller.urls"] == resources


def test_unknown_element_key_is_named(emu):
    body = instance_body(new_grant(emu))
    body["element"] = {"key": "xero"}
    assert_error(emu.api("POST", "/instances", json=body), 400, "xero")


def test_unknown_element_key_in_oauth_path_is_named(emu):
    response = emu.api(
        "GET",
        "/elements/xero/oauth/url",
        params={"apiKey": "k", "apiSecret": "s", "callbackUrl": CALLBACK},
    )
    assert_error(response, 404, "xero")


def test_provider_data_is_required_on_create(emu):
    assert_error(emu.api("POST", "/instances", json=instance_body(None)), 400, "providerData")


def test_provider_data_is_checked_after_the_configuration(emu):
    # Validation order (README): a malformed providerData loses to a configuration problem.
    body = instance_body(None, config={})
    body["providerData"] = {"realmId": REALM_US1}
    message = assert_error(emu.api("POST", "/instances", json=body), 400, "Missing required")
    assert "providerData" not in message
    body["configuration"] = configuration()
    assert_error(emu.api("POST", "/instances", json=body), 400, "providerData", "'code'")


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_unknown_instance_is_404_before_the_body_is_checked(emu, method):
    response = emu.api(method, "/instances/999999", json={"name": ""})
    assert_error(response, 404, "999999")


def test_unknown_body_fields_are_refused_by_name(emu):
    body = instance_body(new_grant(emu))
    body["tag"] = ["typo"]
    assert_error(emu.api("POST", "/instances", json=body), 400, "tag", "unknown field")


def test_wrong_content_type_is_415(emu):
    response = emu.api(
        "POST",
        "/instances",
        data="name=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, 415)
    response = emu.api("PATCH", "/instances/1", data="{}", headers={"Content-Type": "text/plain"})
    assert_error(response, 415)


def test_malformed_json_is_400(emu):
    response = emu.api(
        "POST", "/instances", data='{"name": ', headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "Malformed JSON")


def test_json_with_charset_is_accepted(emu):
    import json

    body = json.dumps(instance_body(new_grant(emu))).encode()
    response = emu.api(
        "POST", "/instances", data=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("oauth.callback.url", "not-a-url"),
        ("event.notification.enabled", "yes"),
        ("event.vendor.type", "carrier-pigeon"),
        ("event.poller.refresh_interval", "0"),
        ("event.poller.refresh_interval", "5m"),
        ("event.poller.urls", "invoices||bills"),
    ],
)
def test_configuration_values_are_checked(emu, key, value):
    response = emu.api(
        "POST", "/instances", json=instance_body(new_grant(emu), config=configuration({key: value}))
    )
    assert_error(response, 400, key)


def test_a_masked_value_on_create_is_refused(emu):
    config = configuration({"oauth.api.secret": "********"})
    response = emu.api("POST", "/instances", json=instance_body(new_grant(emu), config=config))
    assert_error(response, 400, "oauth.api.secret")
