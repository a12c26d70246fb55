"""Connection health against a started emulator, its request log as witness: `enabled`
and its own call, a lost authorization refused without a new grant and mended by one
PATCH, the one-company guard before any write, and `on_delete: disable`.

Each test works in an organization of its own: QuickBooks keeps one authorized
instance per company *per organization*, so the sandbox companies are free in each.
"""

from __future__ import annotations

import itertools
import json

import pytest

from harness.accounts import (
    EVENTS_URL,
    configured_provider,
    made_by_hand,
    oauth_grant,
    provider_config,
)
from harness.emulator import calls, watched_emulator, writes
from provider.core import health
from provider.errors import ProvisioningError
from tests.emulator.emulator_support import CallbackServer, wait_for_delivery

X, Y = "9130350000000002", "9130350000000003"
_accounts = itertools.count()


@pytest.fixture(scope="module")
def emulator():
    with watched_emulator(accounts=12) as started:
        yield started


class Org:
    """One organization of the emulator, with a provider process for it."""

    def __init__(self, emu, app) -> None:
        self.emu, self.app, self.account = emu, app, next(_accounts)
        self.config = provider_config(emu, app, account=self.account)
        self.warnings: list[str] = []
        self.provider = self.fresh()

    def fresh(self):
        """A new provider process (a new `pulumi` command), its warnings collected."""
        provider = configured_provider(self.config)
        provider.session.warn = self.warnings.append
        return provider

    def inputs(self, resource="books", realm=X, provider=None, **changes):
        raw = {
            "name": "Books",
            "ownership_tag": f"pulumi:proj:dev:{resource}",
            "callback_url": EVENTS_URL,
            "oauth": oauth_grant(self.emu, self.app, realm),
            **changes,
        }
        result = (provider or self.provider).check({}, raw)
        assert result.failures == [], result.failures
        return result.inputs

    def live(self, instance_id):
        return self.emu.api("GET", f"/instances/{instance_id}", account=self.account).json()


@pytest.fixture
def org(emu, app):
    return Org(emu, app)


def enabled_calls(instance_id):
    path = f"/instances/{instance_id}/enabled"
    return {True: [("PUT", path)], False: [("DELETE", path)]}


def test_enabled_false_is_one_disable_call_and_true_one_enable_call(org, emu):
    inputs = org.inputs()
    created = org.provider.create(inputs)
    call = enabled_calls(created.id)

    off = {**inputs, "enabled": False}
    assert org.provider.diff(created.id, created.outs, off).changes
    emu.clear_requests()
    outs = org.provider.update(created.id, created.outs, off).outs
    assert writes(emu) == call[False]
    assert org.live(created.id)["disabled"] is True
    assert (outs["enabled"], outs["disabled"], outs["health"]) == (False, True, "disabled")
    assert org.provider.diff(created.id, outs, off).changes is False

    emu.clear_requests()
    outs = org.provider.update(created.id, outs, inputs).outs
    assert writes(emu) == call[True]
    assert org.live(created.id)["disabled"] is False and outs["health"] == "ok"


def test_created_with_enabled_false_it_is_disabled_by_its_own_call(org, emu):
    inputs = org.inputs(enabled=False)
    emu.clear_requests()
    created = org.provider.create(inputs)
    assert writes(emu) == [("POST", "/instances"), *enabled_calls(created.id)[False]]
    assert created.outs["health"] == "disabled"


def test_an_instance_disabled_outside_is_drift_that_up_re_enables_with_one_call(org, emu):
    inputs = org.inputs()
    created = org.provider.create(inputs)
    emu.api("DELETE", f"/instances/{created.id}/enabled", account=org.account)

    refresh = org.fresh()
    read = refresh.read(created.id, created.outs)
    assert (read.outs["enabled"], read.outs["health"]) == (False, "disabled")
    assert org.warnings == [health.found_disabled(created.id)]
    refresh.read(created.id, read.outs)  # the state knows now: said once
    assert len(org.warnings) == 1

    up = org.fresh()
    assert up.diff(created.id, read.outs, inputs).changes
    emu.clear_requests()
    outs = up.update(created.id, read.outs, inputs).outs
    assert writes(emu) == enabled_calls(created.id)[True]
    assert outs["health"] == "ok" and org.live(created.id)["disabled"] is False


def test_lost_authorization_refuses_up_without_a_grant_and_one_patch_mends_it(org, emu, app):
    inputs = org.inputs()
    created = org.provider.create(inputs)
    emu.api("DELETE", f"/instances/{created.id}/enabled", account=org.account)
    # As `pulumi refresh` records an instance whose refreshes failed five times.
    lost = {**created.outs, "valid": False, "disabled": True, "health": "authorization lost"}

    preview = org.fresh()
    assert preview.diff(created.id, lost, inputs).changes
    assert org.warnings == [health.authorization_lost(created.id, inputs["ownership_tag"])]
    assert "--stack dev --instance books" in org.warnings[0]

    emu.clear_requests()
    with pytest.raises(ProvisioningError) as refused:
        org.fresh().update(created.id, lost, inputs)
    assert str(refused.value) == health.needs_new_grant(created.id, inputs["ownership_tag"])
    assert writes(emu) == []

    regranted = {**inputs, "oauth": oauth_grant(emu, app, X)}
    up = org.fresh()
    regranted = up.check({}, regranted).inputs
    emu.clear_requests()
    outs = up.update(created.id, lost, regranted).outs
    assert writes(emu) == [("PATCH", f"/instances/{created.id}"), *enabled_calls(created.id)[True]]
    assert outs["instance_id"] == created.id
    assert (outs["valid"], outs["health"]) == (True, "ok")
    assert up.diff(created.id, outs, regranted).changes is False


def test_a_company_bound_to_another_instance_is_refused_before_any_write(org, emu):
    other = made_by_hand(org.emu, org.app, X, org.account)
    inputs = org.inputs()
    emu.clear_requests()
    with pytest.raises(ProvisioningError) as refused:
        org.provider.create(inputs)
    text = str(refused.value)
    assert text == health.company_taken(X, other, "create instance 'Books'")
    assert f"instance {other['id']} ('Made by hand', not managed by any Pulumi stack)" in text
    assert writes(emu) == [] and len(calls(emu)) == 1  # the run's one list

    # On purpose: it proceeds, saying what the other instance loses.
    created = org.fresh().create(org.inputs(takeover_company=True))
    assert created.outs["realm_id"] == X
    assert org.warnings[-1].startswith("create instance 'Books': takeover_company: ")


def test_a_reauthorization_for_a_company_another_stack_took_is_refused(org, emu, app):
    inputs = org.inputs(realm=Y)
    ours = org.provider.create(inputs)
    prod = org.fresh()
    theirs = prod.create(
        org.inputs(
            "ledger",
            realm=Y,
            provider=prod,
            ownership_tag="pulumi:proj:prod:ledger",
            takeover_company=True,
        )
    )
    assert "managed by pulumi:proj:dev:books" in org.warnings[-1]  # takeover said so

    up = org.fresh()
    regranted = up.check({}, {**inputs, "oauth": oauth_grant(emu, app, Y)}).inputs
    emu.clear_requests()
    with pytest.raises(ProvisioningError) as refused:
        up.update(ours.id, ours.outs, regranted)
    assert f"bound to instance {theirs.id} ('Books', managed by pulumi:proj:prod:ledger)" in str(
        refused.value
    )
    assert str(refused.value).startswith(f"re-authorize instance {ours.id}: ")
    assert writes(emu) == []


def test_on_delete_disable_leaves_the_instance_disabled_and_untagged(org, emu):
    created = org.provider.create(org.inputs(on_delete="disable", tags=["env:test"]))
    emu.clear_requests()
    org.fresh().delete(created.id, created.outs)
    assert writes(emu) == [
        *enabled_calls(created.id)[False],
        ("PATCH", f"/instances/{created.id}"),
    ]
    live = org.live(created.id)
    assert live["disabled"] is True and live["tags"] == ["env:test"]
    assert org.warnings == [health.disabled_and_released(created.id)]


def test_a_refresh_records_a_revoked_instance_and_names_the_fix_every_time(org, emu):
    inputs = org.inputs()
    created = org.provider.create(inputs)
    emu.revoke(created.id)
    emu.token_refresh()  # the platform's refresh fails once

    for _ in range(2):  # the nightly drift job's log names it every night
        read = org.fresh().read(created.id, created.outs)
        assert (read.outs["valid"], read.outs["health"]) == (False, "authorization lost")
    fix = health.authorization_lost(created.id, inputs["ownership_tag"])
    assert org.warnings == [fix, fix]


def test_a_takeover_of_the_company_leaves_the_older_instance_unauthorized(org, emu):
    first = org.provider.create(org.inputs("books", realm=X))
    other_stack = org.fresh()
    payroll = org.inputs("payroll", realm=X, provider=other_stack, takeover_company=True)
    second = other_stack.create(payroll)
    assert org.live(first.id)["valid"] is False and org.live(second.id)["valid"] is True
    assert org.fresh().read(first.id, first.outs).outs["health"] == "authorization lost"


# -- events held back: a deactivated subscription and its queue ----------------


def queued_event(emu, instance_id: str) -> str:
    delivery = emu.send_event(int(instance_id), "invoices")
    assert wait_for_delivery(emu, delivery)["status"] == "queued"
    return delivery


def test_held_back_events_are_drift_with_their_fix_and_one_put_delivers_them(org, emu):
    with CallbackServer(fail_first=10**6) as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost")  # an allowed callback host
        inputs = org.inputs(callback_url=url)
        created = org.provider.create(inputs)
        queued_event(emu, created.id)  # all 9 retries fail: deactivated
        for _ in range(2):
            queued_event(emu, created.id)  # queued at once
        assert len(receiver.received) == 10

        refresh = org.fresh()
        read = refresh.read(created.id, created.outs)
        assert read.outs["health"] == "events deactivated (3 queued)"
        fix = health.events_deactivated(created.id, url, 3)
        assert org.warnings == [fix]
        assert refresh.diff(created.id, read.outs, inputs).changes  # preview: an update
        assert org.warnings == [fix, fix]  # the preview says it too

        emu.clear_requests()
        with pytest.raises(ProvisioningError) as still:
            org.fresh().update(created.id, read.outs, inputs)
        assert str(still.value).endswith(health.callback_still_fails(created.id, url, 0, 3))
        assert writes(emu) == [("PUT", "/notifications/subscriptions/deliveries")]

        receiver.recover()
        emu.clear_requests()
        outs = org.fresh().update(created.id, read.outs, inputs).outs
        assert writes(emu) == [("PUT", "/notifications/subscriptions/deliveries")]  # only
        assert outs["health"] == "ok"
        assert org.warnings[-1] == health.redelivered(created.id, url, 3)
        assert org.fresh().read(created.id, outs).outs["health"] == "ok"
    ids = [json.loads(body)["message"]["eventId"] for _, body in receiver.received]
    assert len(set(ids)) == 3  # every event delivered; the repeats carry their own id


def test_the_queue_policy_shows_queued_events_without_a_deactivation(org, emu):
    emu.set_failure_policy("queue", account=org.account)
    with CallbackServer(fail_first=1) as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost")
        inputs = org.inputs(callback_url=url)
        created = org.provider.create(inputs)
        queued_event(emu, created.id)
        read = org.fresh().read(created.id, created.outs)
        assert read.outs["health"] == "events queued (1)"
        assert org.warnings == [health.events_queued(created.id, url, 1)]
        outs = org.fresh().update(created.id, read.outs, inputs).outs
        assert outs["health"] == "ok" and len(receiver.received) == 2
