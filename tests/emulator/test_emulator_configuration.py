"""The /instances API: an instance's configuration entries, read and patched one by one."""

from __future__ import annotations

from harness.companies import new_company
from tests.emulator.answer_shapes import assert_error
from tests.emulator.emulator_support import (
    configuration,
    create_instance,
    instance_body,
    reauthorize,
)

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
    assert by_key["quickbooks.realm.id"]["propertyValue"] == realm

    emu.api("PATCH", f"/instances/{created['id']}", json={"configuration": {"scope": "other"}})
    emu.api(
        "PUT",
        f"/instances/{created['id']}",
        json=instance_body(None, config=configuration({"z": "1"})),
    )
    after = {entry["key"]: entry["id"] for entry in emu.api("GET", path).json()}
    for key in ("oauth.api.key", "oauth.api.secret", "scope", "quickbooks.realm.id"):
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
    reauth = reauthorize(emu, f"/instances/{created['id']}", realm)
    assert reauth.status_code == 200, reauth.text
