"""The emulator's poller over a simulated company: interval, polled resources only, batching,
retries, and nothing at all from an instance whose events are off, that is disabled or
that lost its authorization."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from emulator.activity import DEFAULT_REFRESH_MINUTES, ActivitySimulator
from emulator.catalog import POLLER_RESOURCES
from emulator.health import REVOKED, Health
from emulator.store import Store
from harness.emulator import watched_emulator
from tests.emulator.emulator_support import (
    configuration,
    create_instance,
    events_configuration,
    old_database,
)
from tests.events.support import deliveries_of, events_instance

KEY = "polling-signature-key-51c2e9"
SECONDS_PER_MINUTE = 0.25  # one minute of refresh interval lasts a quarter second


# -- the poller's clock, without threads -----------------------------------------------


class Recorder:
    """Stands in for the dispatcher: records what would be delivered."""

    def __init__(self):
        self.sent: list[tuple[int, str, dict, str]] = []

    def deliver(self, instance_id, url, body, source="manual"):
        # The dispatcher signs each push with the instance's key as stored then
        # (tests/emulator/test_emulator_events.py checks the signature).
        self.sent.append((instance_id, url, body, source))
        return f"d{len(self.sent)}"


def stored_instance(store: Store, **config) -> int:
    if not store.accounts():
        store.add_account("org", "user")
    values = {
        **events_configuration("http://127.0.0.1:9/e", "invoices|customers"),
        "quickbooks.realm.id": "9130350000000001",
        **config,
    }
    return store.insert_instance(
        account_id=1, name="x", token=f"t{time.monotonic_ns()}", tags=[], created_date="-",
        configuration=values, element_key="quickbooks", realm_id="9130350000000001",
    )  # fmt: skip


def test_an_instance_is_polled_once_per_refresh_interval_from_when_it_is_first_seen():
    store, recorder = Store(), Recorder()
    stored_instance(store, **{"event.poller.refresh_interval": "2"})
    poller = ActivitySimulator(store, recorder, seconds_per_minute=10)
    assert poller.poll_due(100.0) == []  # first seen: the clock starts
    assert poller.poll_due(119.9) == []
    assert poller.poll_due(120.0) == ["d1"]
    assert poller.poll_due(139.0) == []
    assert poller.poll_due(140.0) == ["d2"]


def test_without_a_refresh_interval_the_default_applies():
    store, recorder = Store(), Recorder()
    stored_instance(store)
    poller = ActivitySimulator(store, recorder, seconds_per_minute=1)
    poller.poll_due(0.0)
    assert poller.poll_due(DEFAULT_REFRESH_MINUTES - 0.01) == []
    assert len(poller.poll_due(float(DEFAULT_REFRESH_MINUTES))) == 1


def test_only_polled_resources_are_delivered_to_the_instances_callback():
    store, recorder = Store(), Recorder()
    instance = stored_instance(
        store,
        **{"event.poller.refresh_interval": "1", "event.notification.signature.key": KEY},
    )
    poller = ActivitySimulator(store, recorder, seconds_per_minute=1, changes_per_resource=3)
    for now in range(0, 10):
        poller.poll_due(float(now))
    types = Counter()
    for instance_id, url, body, source in recorder.sent:
        assert (instance_id, url, source) == (instance, "http://127.0.0.1:9/e", "activity")
        assert 1 <= len(body["message"]["events"]) <= 10
        types.update(event["objectType"] for event in body["message"]["events"])
    assert set(types) == {"invoices", "customers"}
    assert types["invoices"] == types["customers"] == 9 * 3


def test_twenty_two_changes_go_out_as_notifications_of_ten_ten_and_two():
    store, recorder = Store(), Recorder()
    stored_instance(
        store,
        **{"event.poller.urls": "|".join(POLLER_RESOURCES), "event.poller.refresh_interval": "1"},
    )
    poller = ActivitySimulator(store, recorder, seconds_per_minute=1)
    poller.poll_due(0.0)
    poller.poll_due(1.0)
    sizes = [len(body["message"]["events"]) for *_, body, _ in recorder.sent]
    assert sizes == [10, 10, 2]
    types = [e["objectType"] for *_, body, _ in recorder.sent for e in body["message"]["events"]]
    assert sorted(types) == sorted(POLLER_RESOURCES)
    # One poll: every event of it carries the same pollDate.
    assert len({e["pollDate"] for *_, b, _ in recorder.sent for e in b["message"]["events"]}) == 1


@pytest.mark.parametrize("change", ["events-off", "disabled", "authorization-lost"])
def test_an_instance_that_is_off_is_not_polled_and_starts_afresh_when_back(change):
    store, recorder = Store(), Recorder()
    instance = stored_instance(store, **{"event.poller.refresh_interval": "1"})
    poller = ActivitySimulator(store, recorder, seconds_per_minute=1)
    health = Health(store)
    poller.poll_due(0.0)
    if change == "disabled":
        store.update_instance(instance, disabled=True)
    elif change == "authorization-lost":
        # The first failed refresh of an episode: valid false (not yet disabled).
        store.set_health(instance, valid=False, auth_lost=REVOKED, refresh_failures=1)
    else:
        record = store.get_instance(instance)
        store.write_configuration(
            instance, {**record.configuration, "event.notification.enabled": "false"}
        )
    for now in range(1, 6):
        assert poller.poll_due(float(now)) == []
    if change == "disabled":
        store.update_instance(instance, disabled=False)
    elif change == "authorization-lost":
        health.authorized(store.get_instance(instance))  # a new consent was redeemed
    else:
        store.write_configuration(instance, record.configuration)
    assert poller.poll_due(6.0) == []  # first seen again: nothing saved up while off
    assert len(poller.poll_due(7.0)) == 1


def test_a_database_from_before_the_delivery_details_gets_their_columns(tmp_path):
    with old_database(
        tmp_path,
        "CREATE TABLE deliveries (id TEXT PRIMARY KEY, instance_id INTEGER NOT NULL,"
        " status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)",
        "INSERT INTO deliveries VALUES ('old', 1, 'delivered', 1)",
    ) as store:
        [record] = store.list_deliveries()
        assert (record.id, record.status, record.url, record.verified) == (
            "old", "delivered", None, None,
        )  # fmt: skip
        store.add_delivery("new", 1, url="http://x/e", source="test", created_at=1.0)
        assert store.list_deliveries()[0].source == "test"


# -- the real thing: emulator process, reference receiver, real HTTP ---------------------


@pytest.fixture(scope="module")
def receiver_keys():
    return [KEY]  # for `receiver` (tests/events/conftest.py)


@pytest.fixture(scope="module")
def emu():
    args = ["--simulate-activity", "--poll-seconds-per-minute", str(SECONDS_PER_MINUTE)]
    with watched_emulator(extra_args=args) as started:
        yield started


def for_instance(instance_id):
    return lambda delivery: delivery["instance_id"] == instance_id


def test_polled_changes_arrive_verified_at_the_refresh_interval(emu, receiver):
    fast = events_instance(emu, receiver, "/fast", "invoices|customers", key=KEY, minutes=1)
    slow = events_instance(emu, receiver, "/slow", "vendors", key=KEY, minutes=4)
    receiver.wait_for(for_instance(slow), count=2, timeout=10)
    got = [d for d in receiver.deliveries() if d["instance_id"] in (fast, slow)]
    assert all(d["verified"] and d["status"] == 200 for d in got)
    fast_got = [d for d in got if d["instance_id"] == fast]
    slow_got = [d for d in got if d["instance_id"] == slow]
    assert {d["path"] for d in fast_got} == {"/fast"} and {d["path"] for d in slow_got} == {"/slow"}
    assert {e["objectType"] for d in fast_got for e in d["events"]} == {"invoices", "customers"}
    assert {e["objectType"] for d in slow_got for e in d["events"]} == {"vendors"}
    # 1 minute vs 4 minutes: roughly four polls of the one per poll of the other.
    assert len(fast_got) >= 2 * len(slow_got)
    gaps = [
        b["received_at"] - a["received_at"] for a, b in zip(slow_got, slow_got[1:], strict=False)
    ]
    assert all(gap >= 4 * SECONDS_PER_MINUTE * 0.8 for gap in gaps), gaps

    listed = deliveries_of(emu, fast)
    assert listed and all(d["source"] == "activity" for d in listed)
    done = [d for d in listed if d["status"] == "delivered"]
    assert done and all(d["verified"] is True and d["responseCode"] == 200 for d in done)


def test_off_disabled_and_unsigned_instances(emu, receiver):
    off = create_instance(
        emu,
        config=configuration(
            {
                "event.notification.callback.url": receiver.url("/off"),
                "event.poller.urls": "invoices",
                "event.poller.refresh_interval": "1",
            }
        ),
    )["id"]
    disabled = events_instance(emu, receiver, "/disabled", "invoices", minutes=1)
    assert emu.api("DELETE", f"/instances/{disabled}/enabled").status_code == 200
    unsigned = events_instance(emu, receiver, "/unsigned", "invoices", minutes=1)
    # The unsigned instance's first poll is rejected (401) and retried 9 times (4 s).
    receiver.wait_for(lambda d: d["path"] == "/unsigned", count=10, timeout=15)
    time.sleep(4 * SECONDS_PER_MINUTE)  # several more polling intervals for the other two
    paths = {d["path"] for d in receiver.deliveries()}
    assert "/off" not in paths and "/disabled" not in paths
    for instance_id in (off, disabled):
        assert deliveries_of(emu, instance_id) == []
    rejected = [d for d in receiver.deliveries() if d["path"] == "/unsigned"]
    assert all(not d["verified"] and d["status"] == 401 for d in rejected)
    # All 9 retries refused (the 9th 4 s after the first failure): queued, and the
    # subscription deactivated (later polls are queued at once, never pushed).
    deadline = time.monotonic() + 15
    while not (failed := [d for d in deliveries_of(emu, unsigned) if d["attempts"] == 10]):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert failed[-1]["status"] == "queued"
    assert failed[-1]["responseCode"] == 401 and failed[-1]["verified"] is False


def test_the_emulator_learns_the_receivers_verdict_per_delivery(emu, receiver):
    instance = events_instance(emu, receiver, "/check", "payments", key=KEY, minutes=1)
    first = receiver.wait_for(for_instance(instance), timeout=10)[0]
    assert first["verified"] and first["events"][0]["objectType"] == "payments"
    deadline = time.monotonic() + 5
    while (status := emu.delivery(first["delivery_id"]))["status"] == "pending":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    [listed] = [d for d in deliveries_of(emu, instance) if d["deliveryId"] == first["delivery_id"]]
    assert status["status"] == "delivered" and status["attempts"] == 1
    assert listed["verified"] is True and listed["responseCode"] == 200
    assert listed["url"] == receiver.url("/check") and listed["events"] == len(first["events"])
    assert listed["finishedAt"] >= listed["createdAt"]
