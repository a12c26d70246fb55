"""The platform as its own sources show it: another element (jira) in the organization,
the element catalogue, the configuration and token-scoped routes, a PUT of the instance
as read, sanitized names, and the combined search. Each test names its source."""

from __future__ import annotations

import pytest

from harness.controls import EmulatorError
from tests.emulator.answer_shapes import CREATE_FIELDS, USER_FIELDS, assert_error
from tests.emulator.emulator_support import (
    REALM_US1,
    create_instance,
    events_configuration,
    new_grant,
    oauth2_provider_data,
)

XSS = '<a href="#" onClick="javascript:alert(\'xss\');return false;">churros-xss</a>'


def jira_body(name="jira-test", tags=None, **config):
    """devportal jira/jira-create-instance.md: basic authentication in the configuration."""
    return {
        "element": {"key": "jira"},
        "name": name,
        "configuration": {
            "username": "jira-user",
            "password": "jira-pass-41",
            "base.url": "https://example.atlassian.net",
            **config,
        },
        "tags": tags or [],
    }


def create_jira(emu, account=0, **kw):
    answer = emu.api("POST", "/instances", account=account, json=jira_body(**kw))
    assert answer.status_code == 200, answer.text
    return answer.json()


def token_auth(emu, token, account=0):
    (org, user) = emu.accounts[account]
    return {"Authorization": f"User {user}, Organization {org}, Element {token}"}


# -- elements --------------------------------------------------------------------------


def test_jira_instances_are_created_through_post_instances_with_the_password_masked(emu):
    """churros instances.js "should support CRUD by key": a jira instance read back has
    its username and a masked password; devportal jira-create-instance.md: element id 1."""
    created = create_jira(emu, name="Helpdesk")
    assert set(created) == CREATE_FIELDS
    assert created["element"]["key"] == "jira" and created["elementId"] == 1
    shown = emu.api("GET", f"/instances/{created['id']}").json()
    assert shown["configuration"]["password"] == "********"
    assert shown["configuration"]["username"] == "jira-user"
    assert set(shown["user"]) == USER_FIELDS
    # A PUT of the body again (churros crudsInstance) keeps it a jira instance.
    put = emu.api("PUT", f"/instances/{created['id']}", json=jira_body(name="updated-instance"))
    assert put.status_code == 200, put.text
    assert put.json()["name"] == "updated-instance" and put.json()["elementId"] == 1


def test_jira_requires_username_and_password_and_takes_no_grant(emu):
    """Missing required configuration is a 400 naming every key (devportal
    jira-create-instance.md: "an error will result notifying her of which entries she is
    missing"); OAuth grants are QuickBooks' (the sources are silent: 400)."""
    body = jira_body()
    body["configuration"] = {"base.url": "https://example.atlassian.net"}
    assert_error(emu.api("POST", "/instances", json=body), 400, "username", "password")
    with_grant = {**jira_body(), "providerData": {"code": "x", "realmId": REALM_US1}}
    assert_error(emu.api("POST", "/instances", json=with_grant), 400, "providerData")


def test_elements_by_key_and_by_id_agree_with_the_instances(emu):
    """churros "should support CRUD by ID" reads GET /elements/jira for its id; devportal
    quickbooksonline/authenticate.md: quickbooks is element 39, hub finance."""
    for key, element_id in (("quickbooks", 39), ("jira", 1)):
        by_key = emu.api("GET", f"/elements/{key}")
        assert by_key.status_code == 200, by_key.text
        assert by_key.json()["id"] == element_id
        assert emu.api("GET", f"/elements/{element_id}").json() == by_key.json()
    qbo = create_instance(emu)
    assert qbo["element"] == emu.api("GET", "/elements/quickbooks").json()
    assert_error(emu.api("GET", "/elements/salesforce"), 404, "salesforce")


def test_the_list_is_organization_wide_and_the_element_path_scopes_it(emu):
    """The list holds every element's instances (devportal platform-api/instances: box and
    sfdc instances in one GET /instances); churros "should have createdDate in the
    /elements/{key}/instances response" and "{id}" (the scoped list)."""
    qbo = create_instance(emu, tags=["mixed"])
    jira = create_jira(emu, tags=["mixed"])
    listed = emu.api("GET", "/instances", params={"tags[]": "mixed"}).json()
    assert {i["id"] for i in listed} == {qbo["id"], jira["id"]}
    for path in ("/elements/jira/instances", "/elements/1/instances"):
        scoped = emu.api("GET", path, params={"tags[]": "mixed"}).json()
        assert [i["id"] for i in scoped] == [jira["id"]] and "createdDate" in scoped[0]
    scoped_qbo = emu.api("GET", "/elements/39/instances", params={"tags[]": "mixed"}).json()
    assert [i["id"] for i in scoped_qbo] == [qbo["id"]]
    assert_error(emu.api("GET", f"/elements/quickbooks/instances/{jira['id']}"), 404)
    assert emu.api("GET", f"/elements/jira/instances/{jira['id']}").status_code == 200


def test_quickbooks_only_features_refuse_a_jira_instance(emu):
    """Consent, events, companies and token health are QuickBooks' (the sources show them
    for QuickBooks only): the controls refuse a jira instance, the refresh skips it."""
    jira = create_jira(emu)
    with pytest.raises(EmulatorError, match="400.*jira instance"):
        emu.revoke(jira["id"])
    with pytest.raises(EmulatorError, match="400.*jira instance"):
        emu.send_event(jira["id"], "invoices", "CREATED", "1")
    assert jira["id"] not in emu.token_refresh()
    assert emu.api("GET", "/elements/jira/oauth/url").status_code == 404
    live = emu.control("GET", "/dashboard/live").text
    row = live[live.index(f'<tr data-instance-id="{jira["id"]}">') :]
    assert '<td class="element">JIRA</td>' in row[: row.index("</tr>")]


# -- the company -------------------------------------------------------------------------


def test_the_company_is_quickbooks_realm_id_and_can_be_hidden_by_a_control(emu):
    """devportal quickbooksonline/authenticate.md ("Token Based Authentication"): the
    company is the configuration key quickbooks.realm.id. Whether every instance shows it
    is in no source: the hide-company control makes one that does not."""
    created = create_instance(emu, realm_id=REALM_US1)
    assert created["configuration"]["quickbooks.realm.id"] == REALM_US1
    assert "realmId" not in created["configuration"]
    emu.hide_company(created["id"])
    shown = emu.api("GET", f"/instances/{created['id']}").json()
    assert "quickbooks.realm.id" not in shown["configuration"]
    # Still bound: a re-authorization must be for the same company.
    other = oauth2_provider_data(new_grant(emu))
    patch = emu.api("PATCH", f"/instances/{created['id']}", json={"providerData": other})
    assert_error(patch, 400, "company")


# -- routes ------------------------------------------------------------------------------


def test_configuration_entries_by_id(emu):
    """churros "should support updating the configuration for an element instance": GET
    /instances/{id}/configuration, PATCH and GET /instances/{id}/configuration/{configId}."""
    created = create_instance(emu)
    path = f"/instances/{created['id']}/configuration"
    entries = emu.api("GET", path).json()
    key = {e["key"]: e for e in entries}
    assert key["oauth.api.key"]["propertyValue"] == "********"
    assert key["oauth.api.secret"]["propertyValue"] == "********"
    entry = key["event.notification.enabled"]
    one = emu.api("GET", f"{path}/{entry['id']}")
    assert one.json() == entry
    assert_error(emu.api("GET", f"{path}/999999"), 404)


def test_the_token_scoped_forms_act_on_the_tokens_instance(emu):
    """churros instances.js: PATCH /instances (tags, name), PUT /instances, GET
    /instances/configuration, GET and PATCH /instances/configuration/{configId}, each with
    the instance's token set (User ..., Organization ..., Element <token>)."""
    created = create_instance(emu, config=events_configuration("https://hooks.example.test/t"))
    other = create_instance(emu)
    auth = token_auth(emu, created["token"])
    patched = emu.api("PATCH", "/instances", headers=auth, json={"tags": ["churros-testing"]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["id"] == created["id"] and patched.json()["tags"] == ["churros-testing"]
    listed = emu.api("GET", "/instances", headers=auth).json()
    assert [i["id"] for i in listed] == [created["id"]]
    entries = emu.api("GET", "/instances/configuration", headers=auth).json()
    entry = next(e for e in entries if e["key"] == "event.notification.enabled")
    changed = {**entry, "propertyValue": "false"}
    one = emu.api("PATCH", f"/instances/configuration/{entry['id']}", headers=auth, json=changed)
    assert one.status_code == 200, one.text
    again = emu.api("GET", f"/instances/configuration/{entry['id']}", headers=auth).json()
    assert again["propertyValue"] == "false"
    as_read = emu.api("GET", f"/instances/{created['id']}").json()
    put = emu.api("PUT", "/instances", headers=auth, json={**as_read, "name": "via-token"})
    assert put.status_code == 200, put.text
    assert emu.api("GET", f"/instances/{other['id']}").json()["name"] == other["name"]
    # Without the Element part these forms name what is missing.
    assert_error(emu.api("PATCH", "/instances", json={"tags": []}), 400, "Element")
    assert_error(emu.api("GET", "/instances/configuration"), 400, "Element")


def test_a_put_of_the_instance_exactly_as_read_succeeds_and_changes_nothing(emu):
    """churros "should support updating tags via put method" (PUT the instance as read,
    with user, element, createdDate, ...); Cloud Elements' CLI does the same (ce-go)."""
    for created in (create_instance(emu, tags=["a"]), create_jira(emu, tags=["a"])):
        path = f"/instances/{created['id']}"
        as_read = emu.api("GET", path).json()
        put = emu.api("PUT", path, json=as_read)
        assert put.status_code == 200, put.text
        assert put.json() == as_read
        tagged = emu.api("PUT", path, json={**as_read, "tags": ["test"]})
        assert tagged.json()["tags"] == ["test"]
        assert emu.api("PUT", path, json={**as_read, "tags": []}).json()["tags"] == []


def test_html_tags_are_stripped_from_the_name_on_create_and_update(emu):
    """churros "should sanitize element instance name on create and update" (create, PATCH
    /instances/{id}, PATCH /instances with the token)."""
    created = create_instance(emu, name=XSS)
    assert created["name"] == "churros-xss"
    assert emu.api("GET", f"/instances/{created['id']}").json()["name"] == "churros-xss"
    updated = emu.api("PATCH", f"/instances/{created['id']}", json={"name": XSS[:-4] + "-up</a>"})
    assert updated.json()["name"] == "churros-xss-up"
    by_token = emu.api(
        "PATCH", "/instances", headers=token_auth(emu, created["token"]), json={"name": XSS}
    )
    assert by_token.json()["name"] == "churros-xss"
    assert create_jira(emu, name="<b>bold</b> jira")["name"] == "bold jira"
    assert_error(emu.api("PATCH", f"/instances/{created['id']}", json={"name": "<i></i>"}), 400)


def test_search_text_and_tags_combine_and_no_match_is_404(emu):
    """churros "should support searchText and tags" and "should fail there are no instances
    matching search" (404)."""
    match = create_instance(emu, name="churros-combined", tags=["churros-instance"])
    create_instance(emu, name="churros-untagged")
    create_jira(emu, name="other", tags=["churros-instance"])
    both = {"searchText": "churros-comb", "tags[]": "churros-instance"}
    assert [i["id"] for i in emu.api("GET", "/instances", params=both).json()] == [match["id"]]
    none = {"searchText": "somelongrandomstringwithnocolisions", "tags[]": "churros-instance"}
    assert_error(emu.api("GET", "/instances", params=none), 404, "No instances found")


def test_the_platform_keeps_its_own_keys_in_the_configuration(emu):
    """ce-go ce/elements.go (InstanceConfiguration): base_url, oauth.user.token,
    oauth.user.refresh_token, oauth.user.refresh_time beside the client's keys; the tokens
    masked. A PUT that leaves them out keeps them (the platform's, not the client's)."""
    created = create_instance(emu)
    config = created["configuration"]
    assert config["base_url"].endswith(config["quickbooks.realm.id"])
    assert config["oauth.user.token"] == config["oauth.user.refresh_token"] == "********"
    assert config["oauth.user.refresh_time"].isdigit()
    body = {
        "element": {"key": "quickbooks"},
        "name": "kept",
        "configuration": {
            k: v for k, v in config.items() if k not in ("base_url", "oauth.user.refresh_time")
        },
    }
    put = emu.api("PUT", f"/instances/{created['id']}", json=body).json()
    assert put["configuration"]["base_url"] == config["base_url"]
