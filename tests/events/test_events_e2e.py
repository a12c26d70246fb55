"""Events declared in the stack, proven by what a receiver gets, through the real `pulumi` CLI.

One instance goes through five `pulumi up`s: create with events on, rotate the key, move the
callback, narrow the polled resources, turn events off. Each update is exactly one PATCH, and
after each the deliveries (triggered ones, and the simulated company's polled changes) follow
the declaration. No key ever appears in the CLI's output.
"""

from __future__ import annotations

import time

import pytest
import yaml

from harness.accounts import new_app
from harness.emulator import watched_emulator, writes
from harness.pulumi_stack import PulumiStack
from harness.receiver import start_receiver

pytestmark = pytest.mark.e2e

OLD_KEY = "e2e-old-signature-key-3f9a61c0"
NEW_KEY = "e2e-new-signature-key-b27d4e85"
SECONDS_PER_MINUTE = 0.25  # poll_interval_minutes=1 polls every quarter second


@pytest.fixture(scope="module")
def emu():
    args = ["--simulate-activity", "--poll-seconds-per-minute", str(SECONDS_PER_MINUTE)]
    with watched_emulator(accounts=1, extra_args=args) as started:
        yield started


@pytest.fixture(scope="module")
def receiver():
    # Both keys in force, as during a rotation: key_index says which one verified.
    with start_receiver([OLD_KEY, NEW_KEY], keep=2000) as started:
        yield started


def update_instance(stack: PulumiStack, **changes) -> None:
    """Change plain inputs of `books` in the stack file, keeping its encrypted ones."""
    doc = stack.read_config()
    doc["config"]["quickbooks:instances"]["books"].update(changes)
    stack.config_path.write_text(yaml.safe_dump(doc, sort_keys=False))


def up_with_one_patch(stack: PulumiStack, emu, instance_id: str) -> float:
    """`pulumi up`; asserts it wrote exactly one PATCH. Returns when it finished."""
    emu.clear_requests()
    stack.up()
    assert writes(emu) == [("PATCH", f"/instances/{instance_id}")]
    return time.time()


def after(receiver, since: float, path: str | None = None) -> list[dict]:
    return [
        d
        for d in receiver.deliveries()
        if d["received_at"] > since and (path is None or d["path"] == path)
    ]


def post_event(emu, instance_id: str, resource: str):
    """The raw answer to an event request (emu.send_event raises on a refusal)."""
    return emu.http.post(
        f"{emu.root_url}/_emulator/instances/{instance_id}/events",
        json={"objectType": resource, "eventType": "UPDATED", "objectId": "1"},
        headers={"Authorization": f"Bearer {emu.admin_token}"},
        timeout=10,
    )


def trigger(emu, receiver, instance_id: str, resource: str) -> dict:
    delivery_id = emu.send_event(int(instance_id), resource, "UPDATED", f"e2e-{resource}")
    [got] = receiver.wait_for(lambda d: d["delivery_id"] == delivery_id)
    return got


# The same program on the repository's dynamic resource or on the installed plugin
# (the `program` fixture): events are the core's, so they follow either front-end.
@pytest.mark.parametrize("front_end", ["dynamic", "plugin"])
def test_events_follow_the_declaration_through_pulumi_up(
    tmp_path, emu, receiver, program, front_end
):
    stack = PulumiStack(tmp_path / "project", emu, new_app(), stack="events", files=program)
    stack.set_instance(
        "books",
        name="Books",
        callback_url=receiver.url("/hooks/a"),
        events_enabled=True,
        poller_resources=["customers", "invoices"],
        poll_interval_minutes=1,
    )
    stack.set_secret("quickbooks:instances.books.signature_key", OLD_KEY)
    stack.grant("books")

    # 1. Create: a triggered event arrives at the declared path, signed with the declared key.
    stack.up()
    instance_id = stack.outputs()["books"]["instance_id"]
    created_at = time.time()
    got = trigger(emu, receiver, instance_id, "customers")
    assert (got["path"], got["verified"], got["key_index"]) == ("/hooks/a", True, 0)
    assert got["instance_id"] == int(instance_id)
    assert got["events"] == [
        {"objectType": "customers", "objectId": "e2e-customers", "eventType": "UPDATED"}
    ]
    # The simulated company's changes come too, every minute (a quarter second here).
    receiver.wait_for(lambda d: d["received_at"] > created_at and d["events"], count=3)

    # 2. Rotate the key: one PATCH; the new key verifies, the old one no longer does.
    stack.set_secret("quickbooks:instances.books.signature_key", NEW_KEY)
    rotated_at = up_with_one_patch(stack, emu, instance_id)
    got = trigger(emu, receiver, instance_id, "invoices")
    # key_index 1: the signature matched NEW_KEY and not OLD_KEY (index 0, tried first).
    assert (got["verified"], got["key_index"]) == (True, 1)
    time.sleep(4 * SECONDS_PER_MINUTE)
    later = after(receiver, rotated_at + 0.5)
    assert later and all(d["verified"] and d["key_index"] == 1 for d in later)

    # 3. Move the callback: one PATCH; deliveries follow to the new path, none to the old.
    update_instance(stack, callback_url=receiver.url("/hooks/b"))
    moved_at = up_with_one_patch(stack, emu, instance_id)
    got = trigger(emu, receiver, instance_id, "customers")
    assert (got["path"], got["verified"]) == ("/hooks/b", True)
    time.sleep(4 * SECONDS_PER_MINUTE)
    assert after(receiver, moved_at + 0.5, "/hooks/b")
    assert after(receiver, moved_at + 0.5, "/hooks/a") == []

    # 4. Narrow the polled resources: one PATCH; the dropped resource no longer delivers.
    update_instance(stack, poller_resources=["invoices"])
    narrowed_at = up_with_one_patch(stack, emu, instance_id)
    refused = post_event(emu, instance_id, "customers")
    assert refused.status_code == 400 and "not polled" in refused.json()["message"]
    assert trigger(emu, receiver, instance_id, "invoices")["verified"]
    time.sleep(6 * SECONDS_PER_MINUTE)
    polled = [e["objectType"] for d in after(receiver, narrowed_at + 0.5) for e in d["events"]]
    assert "invoices" in polled and "customers" not in polled

    # 5. Events off: one PATCH; nothing is delivered any more, triggered or polled.
    update_instance(stack, events_enabled=False)
    off_at = up_with_one_patch(stack, emu, instance_id)
    refused = post_event(emu, instance_id, "invoices")
    assert refused.status_code == 400 and "not enabled" in refused.json()["message"]
    time.sleep(8 * SECONDS_PER_MINUTE)
    assert after(receiver, off_at + 0.5) == []
    live = emu.api("GET", f"/instances/{instance_id}").json()["configuration"]
    assert live["event.notification.enabled"] == "false"

    # No key in any CLI output (ups, config sets, outputs), the stack file or the state.
    state = stack.run("stack", "export").stdout
    transcript = "\n".join(stack.transcript)
    for key in (OLD_KEY, NEW_KEY):
        assert key not in transcript
        assert key not in stack.config_path.read_text()
        assert key not in state
        assert key not in emu.stderr()
