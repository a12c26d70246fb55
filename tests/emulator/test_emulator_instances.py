"""The /instances API: read, list, replace, patch, delete, enable."""

from __future__ import annotations

from harness.companies import new_company
from tests.emulator.answer_shapes import CREATE_FIELDS, assert_error
from tests.emulator.emulator_support import (
    API_SECRET,
    REALM_US1,
    REALM_US2,
    configuration,
    create_instance,
    events_configuration,
    instance_body,
    new_grant,
    oauth2_provider_data,
    reauthorize,
)

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
    assert set(shown) == CREATE_FIELDS
    conf = shown["configuration"]
    for key in (
        "oauth.api.secret",
        "event.notification.signature.key",
        "my.password",
        "refresh.token",
        "other.secret.value",
    ):
        assert conf[key] == "********", key
    assert conf["oauth.api.key"] == "********"  # churros: masked like the secret
    assert conf["quickbooks.realm.id"] == REALM_US2
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
    assert shown["configuration"]["quickbooks.realm.id"] == realm
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
    reauth = reauthorize(emu, path, realm)
    assert reauth.status_code == 200, reauth.text


def test_a_new_secret_in_patch_is_stored(emu):
    realm = new_company(emu)
    created = create_instance(emu, realm_id=realm)
    path = f"/instances/{created['id']}"
    emu.api("PATCH", path, json={"configuration": {"oauth.api.secret": "rotated"}})
    reauth = reauthorize(emu, path, realm)
    assert_error(reauth, 400, "another app")
    emu.api("PATCH", path, json={"configuration": {"oauth.api.secret": API_SECRET}})
    reauth = reauthorize(emu, path, realm)
    assert reauth.status_code == 200, reauth.text


def test_reauthorize_in_place_keeps_the_id(emu):
    realm = new_company(emu)
    created = create_instance(emu, realm_id=realm)
    response = reauthorize(emu, f"/instances/{created['id']}", realm)
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


def test_the_company_key_is_read_only(emu):
    """devportal quickbooksonline/authenticate.md: the company is quickbooks.realm.id; the
    older emulator's realmId is accepted back under the same rule, never shown."""
    created = create_instance(emu, realm_id=REALM_US1)
    path = f"/instances/{created['id']}"
    for key in ("quickbooks.realm.id", "realmId"):
        same = emu.api("PATCH", path, json={"configuration": {key: REALM_US1}})
        assert same.status_code == 200, same.text
        assert "realmId" not in same.json()["configuration"]
        other = emu.api("PATCH", path, json={"configuration": {key: REALM_US2}})
        assert_error(other, 400, "read-only")


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


def test_tags_filter_also_accepts_plain_tags_parameter(emu):
    created = create_instance(emu, tags=["plain-param"])
    listed = emu.api("GET", "/instances", params={"tags": "plain-param"})
    assert [item["id"] for item in listed.json()] == [created["id"]]


def test_delete_answers_with_an_empty_body(emu):
    created = create_instance(emu)
    response = emu.api("DELETE", f"/instances/{created['id']}")
    assert response.status_code == 200 and response.content == b""
