"""Ownership: an instance tagged for another stack or resource is never adopted, changed
or deleted, except by a takeover that names its current owner (`adopt_from`)."""

from __future__ import annotations

from harness.accounts import configured_provider
from harness.emulator import calls, writes

OWNER_A = "pulumi:proj:stack-a:books"
OWNER_B = "pulumi:proj:stack-b:books"


def create(provider, inputs):
    result = provider.create(inputs)
    return result.id, result.outs


def adopt_inputs(provider, instance_id, owner=OWNER_B, **extra):
    result = provider.check(
        {},
        {
            "name": "Books",
            "ownership_tag": owner,
            "adopt_id": instance_id,
            "callback_url": "https://hooks.example.com/events",
            "tags": ["env:test"],
            **extra,
        },
    )
    assert result.failures == [], result.failures
    return result.inputs


def test_adopting_another_stacks_instance_fails_before_any_write(emu, provider, make_inputs):
    instance_id, _ = create(provider, make_inputs(ownership_tag=OWNER_A))
    emu.clear_requests()
    try:
        provider.create(adopt_inputs(provider, instance_id))
    except Exception as exc:  # noqa: BLE001 - the message is what the user sees
        message = str(exc)
    else:
        raise AssertionError("adopting an owned instance must fail")
    assert writes(emu) == []
    assert f"is managed by {OWNER_A}" in message
    assert "on_delete: release" in message and f"adopt_from: {OWNER_A}" in message
    live = emu.api("GET", f"/instances/{instance_id}").json()
    assert OWNER_A in live["tags"] and OWNER_B not in live["tags"]


def test_adopt_from_a_different_owner_fails_too(emu, provider, make_inputs):
    instance_id, _ = create(provider, make_inputs(ownership_tag=OWNER_A))
    emu.clear_requests()
    inputs = adopt_inputs(provider, instance_id, adopt_from="pulumi:proj:stack-c:books")
    try:
        provider.create(inputs)
    except Exception as exc:  # noqa: BLE001
        assert "adopt_from is pulumi:proj:stack-c:books" in str(exc)
    else:
        raise AssertionError("adopt_from must equal the current owner")
    assert writes(emu) == []


def test_deliberate_takeover_swaps_the_tag_in_one_patch(emu, provider, make_inputs):
    instance_id, _ = create(provider, make_inputs(ownership_tag=OWNER_A))
    emu.clear_requests()
    new_id, outs = create(provider, adopt_inputs(provider, instance_id, adopt_from=OWNER_A))
    assert new_id == instance_id
    assert calls(emu) == [
        ("GET", f"/instances/{instance_id}"),
        ("PATCH", f"/instances/{instance_id}"),
    ]
    live = emu.api("GET", f"/instances/{instance_id}").json()
    assert sorted(live["tags"]) == sorted(["env:test", OWNER_B, "pulumi:proj:stack-b"])
    assert outs["ownership_tag"] == OWNER_B and outs["tags"] == ["env:test"]


def test_previous_owner_lets_go_on_refresh_and_never_writes_or_deletes(
    emu, config, provider, make_inputs, capfd
):
    inputs_a = make_inputs(ownership_tag=OWNER_A)
    instance_id, outs_a = create(provider, inputs_a)
    create(provider, adopt_inputs(provider, instance_id, adopt_from=OWNER_A))
    capfd.readouterr()
    emu.clear_requests()
    provider = configured_provider(config)  # stack A's next command: a new provider process

    # An `up` with a change, before A refreshed: refused, nothing written.
    news = {**inputs_a, "callback_url": "https://hooks.example.com/a-only"}
    try:
        provider.update(instance_id, outs_a, news)
    except Exception as exc:  # noqa: BLE001
        assert f"now managed by {OWNER_B}" in str(exc) and "pulumi refresh" in str(exc)
    else:
        raise AssertionError("an update of a taken-over instance must fail")

    # Refresh: gone from A's state, with a warning naming the new owner.
    assert provider.read(instance_id, outs_a).id is None
    assert f"instance {instance_id} is now managed by {OWNER_B}" in capfd.readouterr().err

    # A destroy that still had it in state: left in place, with a warning.
    provider.delete(instance_id, outs_a)
    assert f"is managed by {OWNER_B}" in capfd.readouterr().err
    assert writes(emu) == []
    assert emu.api("GET", f"/instances/{instance_id}").status_code == 200


def test_release_leaves_the_instance_untagged_for_another_stack(emu, provider, make_inputs, capfd):
    inputs = make_inputs(ownership_tag=OWNER_A)
    instance_id, outs = create(provider, inputs)
    released = {**inputs, "on_delete": "release"}
    diff = provider.diff(instance_id, outs, released)
    assert diff.changes is True and diff.replaces == []
    emu.clear_requests()
    outs = provider.update(instance_id, outs, released).outs
    assert calls(emu) == []  # only the state learns it
    provider.delete(instance_id, outs)
    assert writes(emu) == [("PATCH", f"/instances/{instance_id}")]
    assert "released" in capfd.readouterr().err
    live = emu.api("GET", f"/instances/{instance_id}").json()
    assert live["tags"] == ["env:test"]
    # Free now: adopted without adopt_from.
    adopted_id, outs_b = create(provider, adopt_inputs(provider, instance_id))
    assert adopted_id == instance_id and outs_b["ownership_tag"] == OWNER_B


def test_states_written_before_on_delete_existed_mean_delete(emu, provider, make_inputs):
    inputs = make_inputs(ownership_tag=OWNER_A)
    instance_id, outs = create(provider, inputs)
    legacy = {k: v for k, v in outs.items() if k != "on_delete"}
    assert provider.diff(instance_id, legacy, inputs).changes is False


def test_check_names_adopt_from_and_on_delete(provider):
    failures = provider.check(
        {},
        {
            "name": "x",
            "ownership_tag": OWNER_B,
            "adopt_from": OWNER_A,
            "on_delete": "keep",
            "events_enabled": False,
            "oauth": {"code": "c", "realm_id": "1"},
        },
    ).failures
    reasons = {f.property: f.reason for f in failures}
    assert "set adopt_id too" in reasons["adopt_from"]
    assert "on_delete" in reasons
    bad = provider.check(
        {}, {"name": "x", "ownership_tag": OWNER_B, "adopt_id": "1", "adopt_from": "team-a"}
    ).failures
    assert any(f.property == "adopt_from" and "pulumi:<project>" in f.reason for f in bad)
