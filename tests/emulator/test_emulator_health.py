"""Connection health: revocation and the platform's token refresh, one company per instance,
and enabling / disabling through the instance's own token (`/instances/enabled`)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.emulator_support import (
    CallbackServer,
    create_instance,
    events_configuration,
    instance_body,
    new_grant,
    oauth2_provider_data,
    wait_for_delivery,
)


def auth_with_element(emu, token: str | None, account: int = 0) -> dict[str, str]:
    org, user = emu.accounts[account]
    header = f"User {user}, Organization {org}"
    return {"Authorization": header + (f", Element {token}" if token else "")}


def instance(emu, instance_id: int, account: int = 0) -> dict[str, Any]:
    response = emu.api("GET", f"/instances/{instance_id}", account=account)
    assert response.status_code == 200, response.text
    return response.json()


def control(emu, method: str, path: str, **kw: Any):
    """A control call whose error status is the answer under test (emu.control raises)."""
    headers = {"Authorization": f"Bearer {emu.admin_token}"}
    return emu.http.request(method, f"{emu.root_url}/_emulator{path}", headers=headers, **kw)


def reauthorize(emu, created: dict[str, Any], account: int = 0):
    realm = instance(emu, created["id"], account)["configuration"]["quickbooks.realm.id"]
    body = {"providerData": oauth2_provider_data(new_grant(emu, realm))}
    return emu.api("PATCH", f"/instances/{created['id']}", account=account, json=body)


# -- PUT|DELETE /instances/enabled ----------------------------------------------


def test_disable_and_enable_through_the_element_token(emu):
    created = create_instance(emu)
    headers = auth_with_element(emu, created["token"])

    disabled = emu.api("DELETE", "/instances/enabled", headers=headers)
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["id"] == created["id"] and disabled.json()["disabled"] is True
    assert instance(emu, created["id"])["disabled"] is True
    # Its own calls now get 403, but enabling it still works through the same token.
    assert emu.api("GET", "/instances", headers=headers).status_code == 403
    enabled = emu.api("PUT", "/instances/enabled", headers=headers)
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["disabled"] is False
    assert instance(emu, created["id"])["disabled"] is False


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_missing_element_part_is_400_naming_it(emu, method):
    response = emu.api(method, "/instances/enabled", headers=auth_with_element(emu, None))
    assert response.status_code == 400
    assert "Element <instance token>" in response.json()["message"]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_another_organizations_token_is_404(emu, method):
    theirs = create_instance(emu, account=1)
    response = emu.api(
        method, "/instances/enabled", headers=auth_with_element(emu, theirs["token"])
    )
    assert response.status_code == 404
    assert theirs["token"] not in response.text
    assert instance(emu, theirs["id"], account=1)["disabled"] is False


def test_unknown_or_deleted_token_is_404(emu):
    created = create_instance(emu)
    assert emu.api("DELETE", f"/instances/{created['id']}").status_code == 200
    for token in (created["token"], "no-such-token"):
        response = emu.api("PUT", "/instances/enabled", headers=auth_with_element(emu, token))
        assert response.status_code == 404, token


def test_wrong_secrets_with_an_element_token_are_401(emu):
    created = create_instance(emu)
    header = f"User nope, Organization nope, Element {created['token']}"
    response = emu.api("DELETE", "/instances/enabled", headers={"Authorization": header})
    assert response.status_code == 401
    assert instance(emu, created["id"])["disabled"] is False


# -- revocation and the token refresh -------------------------------------------


def test_one_refresh_episode_of_a_revoked_instance_locks_and_disables_it(emu):
    # SAP Open Connectors, "Automatic Disabling of Connector Instances after Failed
    # Token Refresh": up to 5 attempts 10 s apart, then locked and disabled.
    created = create_instance(emu)
    healthy = create_instance(emu)
    answer = emu.revoke(created["id"])
    # Nobody knows before the platform next tries a refresh.
    assert answer["valid"] is True and instance(emu, created["id"])["valid"] is True

    outcomes = emu.token_refresh()
    failed = outcomes[created["id"]]
    assert (failed["result"], failed["attempts"], failed["refreshFailures"]) == ("failed", 5, 5)
    assert failed["locked"] is True and failed["disabled"] is True
    assert outcomes[healthy["id"]]["result"] == "refreshed"
    assert outcomes[healthy["id"]]["attempts"] == 1
    shown = instance(emu, created["id"])
    assert shown["valid"] is False and shown["disabled"] is True
    assert instance(emu, healthy["id"])["valid"] is True
    # A disabled instance is not refreshed any more.
    assert emu.token_refresh()[created["id"]]["result"] == "skipped"


def test_reauthorization_heals_but_does_not_enable(emu):
    created = create_instance(emu)
    emu.revoke(created["id"])
    emu.token_refresh()
    response = reauthorize(emu, created)
    assert response.status_code == 200, response.text
    assert response.json()["valid"] is True and response.json()["disabled"] is True
    # The revocation is over: refreshes work again (a disabled instance is skipped, so
    # enable it first, with its own call).
    enabled = emu.api("PUT", f"/instances/{created['id']}/enabled")
    assert enabled.json()["disabled"] is False
    outcome = emu.token_refresh()[created["id"]]
    assert (outcome["result"], outcome["refreshFailures"]) == ("refreshed", 0)
    assert instance(emu, created["id"])["valid"] is True


def test_a_revoked_instance_revoked_again_after_recovery_gets_a_whole_new_episode(emu):
    created = create_instance(emu)
    emu.revoke(created["id"])
    emu.token_refresh()
    assert reauthorize(emu, created).status_code == 200
    emu.api("PUT", f"/instances/{created['id']}/enabled")
    emu.revoke(created["id"])
    outcome = emu.token_refresh()[created["id"]]
    # Counting starts again: 5 attempts in the new episode, not one.
    assert (outcome["attempts"], outcome["disabled"]) == (5, True)


def test_revoking_an_unknown_instance_is_404(emu):
    assert control(emu, "POST", "/instances/999999/revoke").status_code == 404


# -- one company, one instance --------------------------------------------------


def test_a_second_instance_for_a_company_wipes_the_first(emu):
    older = create_instance(emu, name="older")
    realm = instance(emu, older["id"])["configuration"]["quickbooks.realm.id"]
    newer = create_instance(emu, name="newer", realm_id=realm)
    assert instance(emu, older["id"])["valid"] is False
    assert instance(emu, newer["id"])["valid"] is True
    # A wiped authorization fails its refreshes like a revoked one.
    assert emu.token_refresh()[older["id"]]["result"] == "failed"


def test_reauthorizing_the_older_instance_wipes_the_newer(emu):
    older = create_instance(emu, name="older")
    realm = instance(emu, older["id"])["configuration"]["quickbooks.realm.id"]
    newer = create_instance(emu, name="newer", realm_id=realm)
    assert reauthorize(emu, older).status_code == 200
    assert instance(emu, older["id"])["valid"] is True
    assert instance(emu, newer["id"])["valid"] is False


def test_another_organizations_instance_for_the_company_is_unaffected(emu):
    mine = create_instance(emu, account=0)
    realm = instance(emu, mine["id"])["configuration"]["quickbooks.realm.id"]
    theirs = create_instance(emu, account=1, realm_id=realm)
    assert instance(emu, mine["id"])["valid"] is True
    assert instance(emu, theirs["id"], account=1)["valid"] is True


def test_a_refused_reauthorization_wipes_nothing(emu):
    older = create_instance(emu)
    realm = instance(emu, older["id"])["configuration"]["quickbooks.realm.id"]
    newer = create_instance(emu, realm_id=realm)
    grant = new_grant(emu)  # another company: refused with a 400
    body = {"providerData": oauth2_provider_data(grant)}
    assert emu.api("PATCH", f"/instances/{older['id']}", json=body).status_code == 400
    assert instance(emu, newer["id"])["valid"] is True


# -- no deliveries from an unhealthy instance -----------------------------------


def send_event(emu, instance_id: int):
    return control(
        emu,
        "POST",
        f"/instances/{instance_id}/events",
        json={"objectType": "invoices", "eventType": "CREATED", "objectId": "1"},
    )


def test_disabled_and_invalid_instances_get_no_test_events(emu):
    with CallbackServer() as receiver:
        config = events_configuration(receiver.url)
        disabled = create_instance(emu, config=config)
        invalid = create_instance(emu, config=config)
        healthy = create_instance(emu, config=config)
        emu.api("DELETE", "/instances/enabled", headers=auth_with_element(emu, disabled["token"]))
        wipe(emu, invalid)

        refused = send_event(emu, disabled["id"])
        assert refused.status_code == 400 and "disabled" in refused.json()["message"]
        refused = send_event(emu, invalid["id"])
        assert refused.status_code == 400
        assert "lost its authorization" in refused.json()["message"]
        sent = send_event(emu, healthy["id"])
        assert sent.status_code == 202
        assert wait_for_delivery(emu, sent.json()["deliveryId"])["status"] == "delivered"
    assert len(receiver.received) == 1


def wipe(emu, created) -> None:
    """Another instance authorized for the company: `created` is invalid, not disabled."""
    realm = instance(emu, created["id"])["configuration"]["quickbooks.realm.id"]
    create_instance(emu, realm_id=realm)


def test_a_put_without_a_grant_does_not_heal(emu):
    created = create_instance(emu)
    emu.revoke(created["id"])
    emu.token_refresh()
    body = instance_body(None, config=instance(emu, created["id"])["configuration"])
    assert emu.api("PUT", f"/instances/{created['id']}", json=body).status_code == 200
    assert instance(emu, created["id"])["valid"] is False


def test_the_dashboard_says_why_an_instance_gets_no_events(emu):
    config = events_configuration("https://hooks.example.test/e")
    disabled = create_instance(emu, config=config)
    invalid = create_instance(emu, config=config)
    healthy = create_instance(emu, config=config)
    emu.api("DELETE", f"/instances/{disabled['id']}/enabled")
    wipe(emu, invalid)
    page = control(emu, "GET", "/dashboard/live").text

    def row(instance_id: int) -> str:
        start = page.index(f'<tr data-instance-id="{instance_id}">')
        return page[start : page.index("</tr>", start)]

    assert "not delivered: instance disabled" in row(disabled["id"])
    assert "not delivered: authorization lost" in row(invalid["id"])
    assert "authorization lost" in row(invalid["id"]).split('class="events"')[0]  # the state
    assert "delivers events" in row(healthy["id"])
    # The test-event button of an unhealthy instance is off, with the reason as its title.
    assert "lost its authorization" in row(invalid["id"]) and " disabled>" in row(invalid["id"])


def test_the_refresh_summary_counts_every_instance_once(emu):
    emu.revoke(create_instance(emu)["id"])
    create_instance(emu)  # a healthy one
    summary = control(emu, "POST", "/token-refresh").json()
    counted = summary["refreshed"] + summary["failed"] + summary["skipped"]
    assert counted == len(summary["instances"]) == len({e["id"] for e in summary["instances"]})
    assert summary["failed"] >= 1 and summary["refreshed"] >= 1
