"""Connection health through the real CLI: a revoked instance is drift that names its
fix, is refused without a new grant and mended in place by one; a disabled one is
re-enabled by one call; `enabled: false`, `on_delete: disable`; the one-company guard.

The emulator's token refresh stands in for the platform's nightly one, and the
reference receiver proves that events stop and flow again.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
import yaml

from harness.accounts import made_by_hand, new_app
from harness.companies import new_company
from harness.emulator import calls, watched_emulator, writes
from harness.pulumi_stack import PulumiStack
from harness.receiver import start_receiver
from provider.core import health
from provider.core.commands import ONBOARD_COMMAND, ONBOARD_SCRIPT
from provider.plugin.messages import in_schema_names
from tests.onboarding.driver import REPOSITORY_ONBOARD, local_callback_url, onboard_over_http

KEY = "e2e-health-signature-key-5c1d"


@pytest.fixture(scope="module")
def emu():
    with watched_emulator(accounts=2) as started:
        yield started


@pytest.fixture(scope="module")
def receiver():
    with start_receiver([KEY]) as started:
        yield started


def text(done) -> str:
    return done.stdout + done.stderr


def one_line(message: str) -> str:
    """A message as the CLI may wrap it: compared word by word."""
    return " ".join(message.split())


def said(done, message: str) -> bool:
    return one_line(message) in " ".join(text(done).split())


def update_books(stack: PulumiStack, **changes) -> None:
    doc = stack.read_config()
    doc["config"]["quickbooks:instances"]["books"].update(changes)
    stack.config_path.write_text(yaml.safe_dump(doc, sort_keys=False))


def state_of(stack: PulumiStack) -> dict:
    """The instance's outputs in the state (a refresh updates these; the stack outputs
    follow at the next `up`, which runs the program)."""
    [books] = stack.resources()
    return books["outputs"]


def delivered(emu, receiver, instance_id: str) -> dict:
    delivery_id = emu.send_event(int(instance_id), "customers", "UPDATED", "health")
    [got] = receiver.wait_for(lambda d: d["delivery_id"] == delivery_id)
    return got


def refused_event(emu, instance_id: str) -> int:
    answer = emu.http.post(
        f"{emu.root_url}/_emulator/instances/{instance_id}/events",
        json={"objectType": "customers", "eventType": "UPDATED", "objectId": "1"},
        headers={"Authorization": f"Bearer {emu.admin_token}"},
        timeout=10,
    )
    return answer.status_code


@pytest.mark.parametrize("front_end", ["dynamic", "plugin"])
def test_a_broken_connection_is_drift_with_its_fix_and_is_mended_in_place(
    tmp_path, emu, receiver, front_end, program, request
):
    """On both front-ends: the plugin says it as engine diagnostics, naming the
    onboarding command its package installs, and that command mends it."""
    app = new_app(callback_url=local_callback_url())
    stack = PulumiStack(tmp_path / "p", emu, app, stack="health", files=program)
    command, onboard = ONBOARD_COMMAND, REPOSITORY_ONBOARD
    if front_end == "plugin":
        command = ONBOARD_SCRIPT
        onboard = (str(request.getfixturevalue("plugin_venv") / "bin" / ONBOARD_SCRIPT),)
    stack.set_instance(
        "books", name="Books", callback_url=receiver.url("/hooks"), poller_resources=["customers"]
    )
    stack.set_secret("quickbooks:instances.books.signature_key", KEY)
    realm = stack.grant("books")["realm_id"]
    stack.up()
    instance_id = stack.outputs()["books"]["instance_id"]
    assert stack.outputs()["books"]["health"] == "ok"
    assert delivered(emu, receiver, instance_id)["verified"]
    owner = f"pulumi:{stack.project}:health:books"
    # In the names the program wrote: the plugin's messages in the schema's.
    named = in_schema_names if front_end == "plugin" else str
    lost = named(health.authorization_lost(instance_id, owner).replace(ONBOARD_COMMAND, command))
    assert f"{command} --stack health --instance books" in lost

    # 1. The company disconnects the app. One token refresh episode of the platform
    # (5 attempts 10 s apart) fails: the instance is invalid *and* disabled.
    emu.revoke(instance_id)
    outcome = emu.token_refresh()[int(instance_id)]
    assert (outcome["attempts"], outcome["valid"], outcome["disabled"]) == (5, False, True)
    assert refused_event(emu, instance_id) == 400  # no delivery
    refreshed = stack.refresh("--expect-no-changes", "--diff", check=False)  # and records
    assert refreshed.returncode != 0 and said(refreshed, lost)
    assert re.search(r"~ enabled *: true => false", text(refreshed))
    assert text(refreshed).count("warning: instance") == 1  # read and diff: said once
    assert state_of(stack)["health"] == "authorization lost"
    assert (state_of(stack)["enabled"], state_of(stack)["disabled"]) == (False, True)
    assert said(stack.preview("--diff"), lost)
    emu.clear_requests()
    refused = stack.up(check=False)
    assert refused.returncode != 0
    assert said(
        refused, health.needs_new_grant(instance_id, owner).replace(ONBOARD_COMMAND, command)
    )
    assert writes(emu) == []

    # A new consent, over HTTP; then one `up` is 1 PATCH + 1 enable.
    onboard_over_http(stack, realm, "--instance", "books", onboard=onboard)
    emu.clear_requests()
    stack.up()
    assert writes(emu) == [
        ("PATCH", f"/instances/{instance_id}"),
        ("PUT", f"/instances/{instance_id}/enabled"),
    ]
    live = emu.api("GET", f"/instances/{instance_id}").json()
    assert live["valid"] is True and stack.outputs()["books"]["instance_id"] == instance_id
    assert stack.outputs()["books"]["health"] == "ok"
    assert delivered(emu, receiver, instance_id)["verified"]

    # 3. Disabled on purpose, then back on: one call each.
    update_books(stack, enabled=False)
    emu.clear_requests()
    stack.up()
    assert writes(emu) == [("DELETE", f"/instances/{instance_id}/enabled")]
    assert refused_event(emu, instance_id) == 400
    stack.preview("--expect-no-changes")  # wanted that way: no drift
    update_books(stack, enabled=True)
    emu.clear_requests()
    stack.up()
    assert writes(emu) == [("PUT", f"/instances/{instance_id}/enabled")]
    assert delivered(emu, receiver, instance_id)["verified"]

    # 4. on_delete: disable, then the resource removed: disabled and released.
    update_books(stack, on_delete="disable")
    emu.clear_requests()
    stack.up()
    assert writes(emu) == []  # remembered in the state only
    destroyed = stack.destroy()
    assert said(destroyed, named(health.disabled_and_released(instance_id)))
    assert writes(emu) == [
        ("DELETE", f"/instances/{instance_id}/enabled"),
        ("PATCH", f"/instances/{instance_id}"),
    ]
    live = emu.api("GET", f"/instances/{instance_id}").json()
    assert live["disabled"] is True and stack.resources() == []
    assert not [t for t in live["tags"] if t.startswith("pulumi:")]


def test_a_company_bound_elsewhere_is_refused_before_any_write(tmp_path, emu):
    app = new_app()
    company = new_company(emu)
    by_hand = made_by_hand(emu, app, company, account=1)
    stack = PulumiStack(tmp_path / "p", emu, app, stack="company", account=1)
    books = {"name": "Books", "callback_url": "https://hooks.example.com/e"}
    stack.set_instance("books", **books)
    stack.grant("books", realm_id=company)

    emu.clear_requests()
    refused = stack.up(check=False)
    assert refused.returncode != 0
    assert said(refused, health.company_taken(company, by_hand, "create instance 'Books'"))
    assert f"instance {by_hand['id']} ('Made by hand', not managed" in " ".join(
        text(refused).split()
    )
    assert writes(emu) == []

    stack.set_instance("books", **books, takeover_company=True)
    stack.up()
    assert emu.api("GET", f"/instances/{by_hand['id']}", account=1).json()["valid"] is False

    # Two resources of the stack, one company: preview fails naming both, with no call.
    stack.set_instance("payroll", name="Payroll", callback_url=books["callback_url"])
    stack.grant("payroll", realm_id=company)
    emu.clear_requests()
    twice = stack.preview(check=False)
    assert twice.returncode != 0
    assert said(twice, health.same_company_twice(company, "payroll", "books")) or said(
        twice, health.same_company_twice(company, "books", "payroll")
    )
    assert calls(emu) == []


def wait_queued(emu, delivery_id: str, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while (status := emu.delivery(delivery_id))["status"] == "pending":
        assert time.monotonic() < deadline, status
        time.sleep(0.05)
    return status


@pytest.mark.parametrize("front_end", ["dynamic", "plugin"])
def test_a_receiver_down_past_the_retries_loses_no_event(tmp_path, emu, front_end, program):
    """The platform's timeline (devportal tips.md), scaled: 9 failed retries deactivate
    the subscription, later events are queued; refresh names it, one `up` delivers
    every queued event, and the receiver processes each eventId once."""
    down = start_receiver([KEY])
    port = urlsplit(down.base_url).port
    callback = down.url("/outage")
    stack = PulumiStack(tmp_path / "p", emu, new_app(), stack="outage", files=program)
    stack.set_instance("books", name="Books", callback_url=callback, poller_resources=["vendors"])
    stack.set_secret("quickbooks:instances.books.signature_key", KEY)
    stack.grant("books")
    stack.up()
    instance_id = stack.outputs()["books"]["instance_id"]
    down.stop()  # the receiver is down over a long weekend

    first = emu.send_event(int(instance_id), "vendors", "UPDATED", "0")
    assert wait_queued(emu, first) == {"deliveryId": first, "status": "queued", "attempts": 10}
    later = [emu.send_event(int(instance_id), "vendors", "UPDATED", str(n)) for n in range(5)]
    assert [emu.delivery(d)["status"] for d in later] == ["queued"] * 5  # never pushed
    fix = health.events_deactivated(instance_id, callback, 6)
    drift = stack.refresh("--expect-no-changes", check=False)  # fails, and records it
    assert drift.returncode != 0 and said(drift, fix)
    assert state_of(stack)["health"] == "events deactivated (6 queued)"

    with start_receiver([KEY], port=port) as up_again:
        emu.clear_requests()
        done = stack.up()
        assert writes(emu) == [("PUT", "/notifications/subscriptions/deliveries")]
        assert said(done, health.redelivered(instance_id, callback, 6))
        processed = [p["event_id"] for p in up_again.processed()]
    assert len(processed) == len(set(processed)) == 6
    history = emu.events_of(instance_id)
    assert {e["id"] for e in history} == set(processed)
    assert {e["status"] for e in history} == {"NOTIFIED"}
    stack.refresh("--expect-no-changes")  # healthy again
