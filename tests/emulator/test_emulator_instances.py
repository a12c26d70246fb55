"""The /instances API: create, read, list, replace, patch, delete, enable, configuration."""

from __future__ import annotations

import re

import pytest

from harness.emulator import new_company
from tests.emulator.emulator_support import (
    API_SECRET,
    CALLBACK,
    REALM_US1,
    REALM_US2,
    configuration,
    create_instance,
    events_configuration,
    instance_body,
    new_grant,
    oauth2_provider_data,
)

ELEMENT_FIELDS = {
    "id",
    "name",
    "key",
    "description",
    "active",
    "deleted",
    "typeOauth",
    "trialAccount",
    "configDescription",
    "signupURL",
}
CREATE_FIELDS = {
    "id",
    "name",
    "token",
    "element",
    "provisionInteractions",
    "valid",
    "disabled",
    "maxCacheSize",
    "cacheTimeToLive",
    "cachingEnabled",
    "eventsEnabled",
    "traceLoggingEnabled",
    "createdDate",
    "tags",
}


def assert_error(response, status: int, *fragments: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"requestId", "message"}
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", body["requestId"]
    )
    for fragment in fragments:
        assert fragment in body["message"], body["message"]
    return body["message"]


# -- create ----------------------------------------------------------------


def test_create_returns_the_documented_shape(emu):
    created = create_instance(emu, name="books", tags=["team:finance"])
    assert set(created) == CREATE_FIELDS
    assert set(created["element"]) == ELEMENT_FIELDS
    assert created["element"]["key"] == "quickbooks"
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


# -- read and list -----------------------------------------------------------


def test_get_shows_configuration_masked_with_realm_and_the_token(emu):
    config = configuration(
        {
            "event.notification.signature.key": "sig-key-5521",
            "my.password": "hunter2",
            "refresh.token": "tok",
            "other.secret.value": "s3",
        }
    )
    created = create_instance(emu, config=config, realm_id=REALM_US2)
    shown = emu.api("GET", f"/instances/{created['id']}").json()
    # The token, as the platform shows it: clients build the Element header from it.
    assert shown["token"] == created["token"]
    assert set(shown) == CREATE_FIELDS | {"configuration"}
    conf = shown["configuration"]
    for key in (
        "oauth.api.secret",
        "event.notification.signature.key",
        "my.password",
        "refresh.token",
        "other.secret.value",
    ):
        assert conf[key] == "********", key
    assert conf["oauth.api.key"] == config["oauth.api.key"]
    assert conf["realmId"] == REALM_US2
    assert all(isinstance(value, str) for value in conf.values())


def test_list_filters_by_all_tags_and_by_name(emu):
    a = create_instance(emu, name="Alpha books", tags=["env:dev", "team:x"])
    b = create_instance(emu, name="Beta books", tags=["env:dev"])
    ids = lambda response: {item["id"] for item in response.json()}  # noqa: E731
    both = emu.api("GET", "/instances", params=[("tags[]", "env:dev")])
    assert {a["id"], b["id"]} <= ids(both)
    only_a = emu.api("GET", "/instances", params=[("tags[]", "env:dev"), ("tags[]", "team:x")])
    assert ids(only_a) == {a["id"]}
    by_name = emu.api("GET", "/instances", params={"searchText": "beta"})
    assert ids(by_name) == {b["id"]}
    listed = emu.api("GET", "/instances").json()
    assert all(item["configuration"]["oauth.api.secret"] == "********" for item in listed)
    assert all(item["token"] for item in listed)


def test_empty_list_is_404_no_instances_found(emu):
    response = emu.api("GET", "/instances", params=[("tags[]", "no-such-tag")])
    assert response.status_code == 404
    assert response.json()["message"] == "No instances found"


def test_unknown_and_non_numeric_ids_are_404(emu):
    assert_error(emu.api("GET", "/instances/999999"), 404)
    assert_error(emu.api("GET", "/instances/abc"), 404)


# -- replace, patch, delete ----------------------------------------------------


def test_put_replaces_the_whole_instance(emu):
    realm = new_company(emu)
    created = create_instance(
        emu, name="before", tags=["a", "b"], config=configuration({"x.extra": "1"}), realm_id=realm
    )
    replacement = instance_body(
        None, name="after", tags=["c"], config=configuration({"y.extra": "2"})
    )
    response = emu.api("PUT", f"/instances/{created['id']}", json=replacement)
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["name"] == "after" and shown["tags"] == ["c"]
    assert "x.extra" not in shown["configuration"]
    assert shown["configuration"]["y.extra"] == "2"
    assert shown["configuration"]["realmId"] == realm
    assert "providerData" not in shown


def test_put_validates_like_post(emu):
    created = create_instance(emu)
    response = emu.api("PUT", f"/instances/{created['id']}", json=instance_body(None, config={}))
    assert_error(response, 400, "oauth.api.key", "oauth.callback.url")


def test_patch_merges_configuration_and_replaces_tags(emu):
    created = create_instance(
        emu, name="p", tags=["a", "b"], config=configuration({"keep.me": "1"})
    )
    response = emu.api(
        "PATCH",
        f"/instances/{created['id']}",
        json={"name": "p2", "tags": ["c"], "configuration": {"quickbooks.minorversion": "65"}},
    )
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["name"] == "p2"
    assert shown["tags"] == ["c"]
    assert shown["configuration"]["keep.me"] == "1"
    assert shown["configuration"]["quickbooks.minorversion"] == "65"
    assert "providerData" not in shown and shown["token"] == created["token"]


def test_patch_validates_the_merged_configuration(emu):
    created = create_instance(emu)
    response = emu.api(
        "PATCH",
        f"/instances/{created['id']}",
        json={"configuration": {"event.notification.enabled": "true"}},
    )
    assert_error(response, 400, "event.notification.callback.url", "event.poller.urls")
    response = emu.api("PATCH", f"/instances/{created['id']}", json={"configuration": {"a": True}})
    assert_error(response, 400, "'a'")


def test_events_enabled_mirrors_the_configuration(emu):
    created = create_instance(emu)
    assert created["eventsEnabled"] is False
    shown = emu.api(
        "PATCH",
        f"/instances/{created['id']}",
        json={"configuration": events_configuration("https://hooks.example.test/e")},
    ).json()
    assert shown["eventsEnabled"] is True
    shown = emu.api(
        "PATCH",
        f"/instances/{created['id']}",
        json={"configuration": {"event.notification.enabled": "false"}},
    ).json()
    assert shown["eventsEnabled"] is False


def test_masked_value_in_patch_keeps_the_stored_secret(emu):
    realm = new_company(emu)
    created = create_instance(emu, realm_id=realm)
    path = f"/instances/{created['id']}"
    shown = emu.api("GET", path).json()
    # Send back what was read, mask included.
    response = emu.api("PATCH", path, json={"configuration": shown["configuration"]})
    assert response.status_code == 200, response.text
    # The grant is bound to the app secret: re-authorizing works only if the
    # stored oauth.api.secret is still the real one, not eight asterisks.
    reauth = emu.api(
        "PATCH", path, json={"providerData": oauth2_provider_data(new_grant(emu, realm))}
    )
    assert reauth.status_code == 200, reauth.text


def test_a_new_secret_in_patch_is_stored(emu):
    realm = new_company(emu)
    created = create_instance(emu, realm_id=realm)
    path = f"/instances/{created['id']}"
    emu.api("PATCH", path, json={"configuration": {"oauth.api.secret": "rotated"}})
    reauth = emu.api(
        "PATCH", path, json={"providerData": oauth2_provider_data(new_grant(emu, realm))}
    )
    assert_error(reauth, 400, "another app")
    emu.api("PATCH", path, json={"configuration": {"oauth.api.secret": API_SECRET}})
    reauth = emu.api(
        "PATCH", path, json={"providerData": oauth2_provider_data(new_grant(emu, realm))}
    )
    assert reauth.status_code == 200, reauth.text


def test_reauthorize_in_place_keeps_the_id(emu):
    realm = new_company(emu)
    created = create_instance(emu, realm_id=realm)
    response = emu.api(
        "PATCH",
        f"/instances/{created['id']}",
        json={"providerData": oauth2_provider_data(new_grant(emu, realm))},
    )
    assert response.status_code == 200, response.text
    assert response.json()["id"] == created["id"]
    assert "providerData" not in response.json()


def test_reauthorize_with_another_company_is_refused(emu):
    created = create_instance(emu, realm_id=REALM_US1)
    grant = new_grant(emu, realm_id=REALM_US2)
    response = emu.api(
        "PATCH", f"/instances/{created['id']}", json={"providerData": oauth2_provider_data(grant)}
    )
    assert_error(response, 400, "realmId")
    # The refused grant was not spent: it can still create an instance for that company.
    again = emu.api("POST", "/instances", json=instance_body(grant))
    assert again.status_code == 200, again.text


def test_reauthorize_with_a_spent_grant_is_refused(emu):
    grant = new_grant(emu)
    created = emu.api("POST", "/instances", json=instance_body(grant)).json()
    response = emu.api(
        "PATCH", f"/instances/{created['id']}", json={"providerData": oauth2_provider_data(grant)}
    )
    assert_error(response, 400, "invalid or already used")


def test_realm_id_is_read_only(emu):
    created = create_instance(emu, realm_id=REALM_US1)
    path = f"/instances/{created['id']}"
    same = emu.api("PATCH", path, json={"configuration": {"realmId": REALM_US1}})
    assert same.status_code == 200, same.text
    other = emu.api("PATCH", path, json={"configuration": {"realmId": REALM_US2}})
    assert_error(other, 400, "realmId")


def test_delete_then_gone(emu):
    created = create_instance(emu)
    path = f"/instances/{created['id']}"
    assert emu.api("DELETE", path).status_code == 200
    assert_error(emu.api("GET", path), 404)
    assert_error(emu.api("DELETE", path), 404)
    assert_error(emu.api("PATCH", path, json={"name": "x"}), 404)


def test_ids_are_never_reused_after_delete(emu):
    first = create_instance(emu)
    emu.api("DELETE", f"/instances/{first['id']}")
    assert create_instance(emu)["id"] > first["id"]


def test_enable_and_disable(emu):
    created = create_instance(emu)
    path = f"/instances/{created['id']}"
    disabled = emu.api("DELETE", path + "/enabled")
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    assert emu.api("GET", path).json()["disabled"] is True
    enabled = emu.api("PUT", path + "/enabled")
    assert enabled.status_code == 200 and enabled.json()["disabled"] is False
    assert emu.api("GET", path).json()["disabled"] is False


def test_instance_token_stops_working_after_delete_and_is_403_when_disabled(emu):
    created = create_instance(emu)
    path = f"/instances/{created['id']}"
    org, user = emu.accounts[0]
    with_element = {"Authorization": f"User {user}, Organization {org}, Element {created['token']}"}
    assert emu.api("GET", path, headers=with_element).status_code == 200
    emu.api("DELETE", path + "/enabled")
    assert_error(emu.api("GET", path, headers=with_element), 403)
    emu.api("PUT", path + "/enabled")
    emu.api("DELETE", path)
    assert_error(emu.api("GET", "/instances", headers=with_element), 401)


# -- configuration entries ------------------------------------------------------


def test_configuration_list_is_masked_with_stable_ids(emu):
    realm = new_company(emu)
    created = create_instance(
        emu, config=configuration({"event.notification.signature.key": "k-1"}), realm_id=realm
    )
    path = f"/instances/{created['id']}/configuration"
    entries = emu.api("GET", path).json()
    assert all(set(entry) == {"id", "key", "propertyValue"} for entry in entries)
    by_key = {entry["key"]: entry for entry in entries}
    assert by_key["oauth.api.secret"]["propertyValue"] == "********"
    assert by_key["event.notification.signature.key"]["propertyValue"] == "********"
    assert by_key["realmId"]["propertyValue"] == realm

    emu.api("PATCH", f"/instances/{created['id']}", json={"configuration": {"scope": "other"}})
    emu.api(
        "PUT",
        f"/instances/{created['id']}",
        json=instance_body(None, config=configuration({"z": "1"})),
    )
    after = {entry["key"]: entry["id"] for entry in emu.api("GET", path).json()}
    for key in ("oauth.api.key", "oauth.api.secret", "scope", "realmId"):
        assert after[key] == by_key[key]["id"], key
    assert "event.notification.signature.key" not in after


def test_patch_one_configuration_value(emu):
    created = create_instance(emu)
    path = f"/instances/{created['id']}/configuration"
    entry = next(e for e in emu.api("GET", path).json() if e["key"] == "scope")
    response = emu.api("PATCH", f"{path}/{entry['id']}", json={"propertyValue": "new-scope"})
    assert response.status_code == 200, response.text
    assert response.json() == {"id": entry["id"], "key": "scope", "propertyValue": "new-scope"}
    assert (
        emu.api("GET", f"/instances/{created['id']}").json()["configuration"]["scope"]
        == "new-scope"
    )


def test_patch_one_configuration_value_with_the_entry_as_read(emu):
    created = create_instance(emu)
    path = f"/instances/{created['id']}/configuration"
    entry = next(e for e in emu.api("GET", path).json() if e["key"] == "scope")
    edited = {**entry, "propertyValue": "edited-scope"}
    response = emu.api("PATCH", f"{path}/{entry['id']}", json=edited)
    assert response.status_code == 200, response.text
    assert response.json() == edited
    assert emu.api("GET", f"/instances/{created['id']}").json()["configuration"]["scope"] == (
        "edited-scope"
    )


def test_patch_one_configuration_value_refuses_an_entry_that_contradicts_the_path(emu):
    created = create_instance(emu)
    path = f"/instances/{created['id']}/configuration"
    entries = {e["key"]: e for e in emu.api("GET", path).json()}
    scope, other = entries["scope"], entries["oauth.api.key"]
    wrong_key = emu.api(
        "PATCH",
        f"{path}/{scope['id']}",
        json={**scope, "key": "oauth.api.key", "propertyValue": "x"},
    )
    assert_error(wrong_key, 400, "'oauth.api.key' in the body contradicts")
    assert "'scope'" in wrong_key.json()["message"]
    wrong_id = emu.api("PATCH", f"{path}/{scope['id']}", json={**other, "key": "scope"})
    assert_error(wrong_id, 400, f"id {other['id']} in the body contradicts")
    unchanged = emu.api("GET", f"/instances/{created['id']}").json()["configuration"]
    assert unchanged["scope"] == scope["propertyValue"]


def test_patch_one_configuration_value_masks_and_validates(emu):
    realm = new_company(emu)
    created = create_instance(emu, realm_id=realm)
    path = f"/instances/{created['id']}/configuration"
    entries = {e["key"]: e["id"] for e in emu.api("GET", path).json()}
    secret = emu.api(
        "PATCH", f"{path}/{entries['oauth.api.secret']}", json={"propertyValue": "********"}
    )
    assert secret.json()["propertyValue"] == "********"
    enabled = emu.api(
        "PATCH", f"{path}/{entries['event.notification.enabled']}", json={"propertyValue": "maybe"}
    )
    assert_error(enabled, 400, "event.notification.enabled")
    not_string = emu.api("PATCH", f"{path}/{entries['scope']}", json={"propertyValue": 5})
    assert_error(not_string, 400, "scope")
    assert_error(emu.api("PATCH", f"{path}/999999", json={"propertyValue": "x"}), 404)
    # Still the real secret: re-authorization needs it.
    reauth = emu.api(
        "PATCH",
        f"/instances/{created['id']}",
        json={"providerData": oauth2_provider_data(new_grant(emu, realm))},
    )
    assert reauth.status_code == 200, reauth.text


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


def test_tags_filter_also_accepts_plain_tags_parameter(emu):
    created = create_instance(emu, tags=["plain-param"])
    listed = emu.api("GET", "/instances", params={"tags": "plain-param"})
    assert [item["id"] for item in listed.json()] == [created["id"]]


def test_delete_answers_with_an_empty_body(emu):
    created = create_instance(emu)
    response = emu.api("DELETE", f"/instances/{created['id']}")
    assert response.status_code == 200 and response.content == b""
