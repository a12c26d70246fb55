"""Deliveries as the platform runs them: event ids and history (churros
platform/events/events.js), the retry schedule, deactivation and queueing, the
redelivering PUT and the account's failure policy (devportal
guides/event-management/tips.md, churros platform/notifications/deliveries.js)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from emulator.schedule import FAST_SCALE, RETRIES, retry_at
from harness.controls import queued_where
from tests.emulator.emulator_support import (
    CallbackServer,
    create_instance,
    events_configuration,
    wait_for_delivery,
)

POLICY = "notification.webhook.failure.policy"
DELIVERIES = "/notifications/subscriptions/deliveries"


def event_ids(receiver: CallbackServer) -> list[str]:
    return [json.loads(body)["message"]["eventId"] for _, body in receiver.received]


@contextmanager
def policy(emu, value: str) -> Iterator[None]:
    """The account's failure policy set to `value` (the module's emulator is shared)."""
    assert emu.api("PATCH", "/accounts/settings", json={POLICY: value}).json() == {POLICY: value}
    try:
        yield
    finally:
        emu.api("PATCH", "/accounts/settings", json={POLICY: "retry"})


def test_the_schedule_is_4_to_the_x_seconds_after_the_first_failure():
    # tips.md: "the interval using the equation 2^2x where x is the retry attempt";
    # the 9th "a little under 73 hours after the original failed attempt".
    assert [retry_at(x) for x in range(1, RETRIES + 1)] == [4.0**x for x in range(1, 10)]
    assert 72 * 3600 < retry_at(9) < 73 * 3600
    assert retry_at(9) * FAST_SCALE == 4.0  # --fast-retries: the 9th within 4 s
    with pytest.raises(ValueError):
        retry_at(10)


def test_the_xth_retry_comes_4_to_the_x_scaled_after_the_first_failure(emu):
    with CallbackServer(fail_first=100) as receiver:
        created = create_instance(emu, config=events_configuration(receiver.url))
        status = wait_for_delivery(emu, emu.send_event(created["id"], "invoices"))
    assert status["attempts"] == 1 + RETRIES
    first = receiver.times[0]
    for x in (6, 7, 8, 9):  # 0.06 s, 0.25 s, 1 s, 4 s: large enough to time
        waited = receiver.times[x] - first
        assert retry_at(x) * FAST_SCALE <= waited + 0.005
        assert waited < retry_at(x) * FAST_SCALE * 1.15 + 0.05


def three_delivered(emu) -> tuple[CallbackServer, dict]:
    """An instance whose receiver got three events; the receiver (stopped) and the instance."""
    with CallbackServer() as receiver:
        created = create_instance(emu, config=events_configuration(receiver.url))
        for n in range(3):
            wait_for_delivery(emu, emu.send_event(created["id"], "invoices", object_id=str(n)))
    return receiver, created


def test_every_notification_has_a_unique_event_id_and_ids_inside(emu):
    receiver, _ = three_delivered(emu)
    ids = event_ids(receiver)
    assert len(set(ids)) == 3
    for (_, body), event_id in zip(receiver.received, ids, strict=True):
        [event] = json.loads(body)["message"]["events"]
        assert event["id"] == f"{event_id}-1"


def test_the_history_shows_each_event_notified_and_pages(emu):
    receiver, created = three_delivered(emu)
    ids = event_ids(receiver)
    mine = emu.api("GET", f"/instances/{created['id']}/events").json()
    assert [e["id"] for e in mine] == ids
    assert {e["status"] for e in mine} == {"NOTIFIED"}
    assert all(e["eventDate"] and isinstance(e["providerData"], str) for e in mine)
    first = emu.api("GET", "/instances/events", params={"pageSize": 1})
    assert first.headers["Elements-Returned-Count"] == "1"
    assert "Elements-Next-Page-Token" in first.headers
    one = emu.api("GET", f"/instances/events/{ids[0]}").json()
    assert one["status"] == "NOTIFIED" and one["id"] == ids[0]
    path = f"/instances/{created['id']}/events/{ids[1]}"
    assert emu.api("GET", path).json()["status"] == "NOTIFIED"
    assert emu.api("GET", "/instances/events/nope").status_code == 404
    other = create_instance(emu, config=events_configuration(receiver.url))  # never pushed to
    assert emu.api("GET", f"/instances/{other['id']}/events/{ids[0]}").status_code == 404


def test_an_events_enabled_instance_shows_its_subscription_id(emu):
    created = create_instance(emu, config=events_configuration("https://hooks.example.test/e"))
    shown = emu.api("GET", f"/instances/{created['id']}").json()["configuration"]
    assert shown["event_notification_subscription_id"].isdigit()
    # Read-only: sent back as read (cectl does), it changes nothing.
    answer = emu.api("PATCH", f"/instances/{created['id']}", json={"configuration": shown})
    assert answer.json()["configuration"] == shown


def test_all_retries_failed_deactivates_then_queues_until_the_put(emu):
    with CallbackServer(fail_first=1000) as receiver:
        created = create_instance(emu, config=events_configuration(receiver.url))
        first = emu.send_event(created["id"], "invoices")
        assert wait_for_delivery(emu, first)["status"] == "queued"
        later = [emu.send_event(created["id"], "invoices", object_id=str(n)) for n in range(5)]
        # Deactivated: later events are queued at once, never pushed.
        assert all(
            emu.delivery(d) == {"deliveryId": d, "status": "queued", "attempts": 0} for d in later
        )
        assert len(receiver.received) == 1 + RETRIES
        listed = emu.api("GET", DELIVERIES, params=queued_where(receiver.url)).json()
        assert len(listed) == 6 and {d["status"] for d in listed} == {"queued"}
        assert {d["subscription"]["active"] for d in listed} == {False}
        history = emu.api("GET", f"/instances/{created['id']}/events").json()
        assert {e["status"] for e in history} == {"DISPATCHED"}
        assert "deactivated (6 queued)" in dashboard_row(emu, created["id"])

        receiver.recover()
        answer = emu.api("PUT", DELIVERIES, params=queued_where(receiver.url))
        assert answer.status_code == 200
        assert [d["status"] for d in answer.json()] == ["delivered"] * 6
    delivered = event_ids(receiver)[1 + RETRIES :]
    assert delivered == [d["eventId"] for d in listed]
    assert emu.api("GET", DELIVERIES, params=queued_where(receiver.url)).json() == []
    history = emu.api("GET", f"/instances/{created['id']}/events").json()
    assert {e["status"] for e in history} == {"NOTIFIED"}
    assert 'class="subscription"><span class="badge ok">active<' in dashboard_row(
        emu, created["id"]
    )


def dashboard_row(emu, instance_id: int) -> str:
    page = emu.control("GET", "/dashboard/live").text
    start = page.index(f'<tr data-instance-id="{instance_id}">')
    return page[start : page.index("</tr>", start)]


def test_a_put_while_the_callback_still_fails_keeps_the_queue(emu):
    with CallbackServer(fail_first=1000) as receiver:
        created = create_instance(emu, config=events_configuration(receiver.url))
        wait_for_delivery(emu, emu.send_event(created["id"], "invoices"))
        emu.send_event(created["id"], "invoices")
        answer = emu.api("PUT", DELIVERIES, params=queued_where(receiver.url)).json()
    assert [d["status"] for d in answer] == ["queued", "queued"]
    assert answer[0]["subscription"]["active"] is False  # it still fails: deactivated again


def test_the_queue_policy_queues_a_failed_push_at_once(emu):
    with policy(emu, "queue"), CallbackServer(fail_first=1) as receiver:
        created = create_instance(emu, config=events_configuration(receiver.url))
        delivery = emu.send_event(created["id"], "invoices")
        assert wait_for_delivery(emu, delivery) == {
            "deliveryId": delivery,
            "status": "queued",
            "attempts": 1,
        }
        time.sleep(0.1)
        assert len(receiver.received) == 1  # no retry
        [listed] = emu.api("GET", DELIVERIES, params=queued_where(receiver.url)).json()
        assert listed["subscription"]["active"] is True  # queued, not deactivated
        sent = emu.api("PUT", DELIVERIES, params=queued_where(receiver.url)).json()
        assert [d["status"] for d in sent] == ["delivered"]
    assert event_ids(receiver)[0] == event_ids(receiver)[1]  # the same event, again


def test_the_account_settings_routes(emu):
    assert emu.api("GET", "/accounts/settings").json() == {POLICY: "retry"}
    bad = emu.api("PATCH", "/accounts/settings", json={POLICY: "drop"})
    assert bad.status_code == 400 and POLICY in bad.json()["message"]
    assert emu.api("POST", "/accounts/999/settings", json={POLICY: "queue"}).status_code == 404


@pytest.mark.parametrize(
    ("where", "problem"),
    [("channel='webhook' or status='queued'", "cannot read"), ("colour='red'", "colour")],
)
def test_a_where_it_cannot_read_is_a_400_naming_the_clause(emu, where, problem):
    answer = emu.api("GET", DELIVERIES, params={"where": where})
    assert answer.status_code == 400 and problem in answer.json()["message"]


def test_the_put_sends_only_queued_deliveries(emu):
    answer = emu.api("PUT", DELIVERIES, params={"where": "channel='webhook'"})
    assert answer.status_code == 400 and "status='queued'" in answer.json()["message"]
