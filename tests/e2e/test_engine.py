"""End to end: the real `pulumi` engine, the real program, the provider, the emulator."""

from __future__ import annotations

import json

import pytest

from harness.accounts import EVENTS_URL
from harness.companies import new_company
from harness.emulator import QUEUED_LIST, calls, writes
from harness.pulumi_stack import PulumiStack
from provider.core.commands import ONBOARD_COMMAND, ONBOARD_SCRIPT
from provider.plugin.names import camel

BOOKS = {
    "name": "Books",
    "callback_url": EVENTS_URL,
    "tags": ["env:e2e"],
    "poll_interval_minutes": 5,
}
PAYROLL = {
    "name": "Payroll",
    "callback_url": EVENTS_URL,
    "poller_resources": ["employees", "time-activities"],
}


def declare(stack: PulumiStack, **instances) -> None:
    for key, settings in instances.items():
        stack.set_instance(key, **settings)
        stack.grant(key)


def instances_in_org(emu) -> list[dict]:
    response = emu.api("GET", "/instances")
    return [] if response.status_code == 404 else response.json()


# The same program on either front-end: the repository's dynamic resource, or the
# installed plugin (harness.native); the resource type and property names they show.
FRONT_ENDS = {
    "dynamic": ("pulumi-python:dynamic/quickbooks:Instance", "callback_url"),
    "plugin": ("quickbooks:index:Instance", "callbackUrl"),
}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_up_creates_exactly_the_declared_instances_then_is_a_no_op(stack, emu, front_end):
    declare(stack, books=BOOKS, payroll=PAYROLL)
    emu.clear_requests()
    stack.up()
    assert sorted(writes(emu)) == [("POST", "/instances"), ("POST", "/instances")]
    outputs = stack.outputs()
    assert set(outputs) == {"books", "payroll"}
    assert outputs["books"]["valid"] is True
    ids = {outputs[k]["instance_id"] for k in outputs}
    live = {str(i["id"]) for i in instances_in_org(emu)}
    assert ids <= live

    emu.clear_requests()
    preview = stack.preview("--diff", "--expect-no-changes")
    assert "unchanged" in preview.stdout
    stack.up("--expect-no-changes")
    assert writes(emu) == []
    # refresh reads every instance from one (one-page) list of the QuickBooks instances,
    # and what the platform holds back of their events from one list of queued deliveries
    emu.clear_requests()
    stack.refresh("--expect-no-changes")
    assert calls(emu) == [("GET", "/elements/quickbooks/instances"), QUEUED_LIST]
    # Every QuickBooks instance, no tag filter: the one-company rule needs them all.
    assert emu.requests()[0]["query"] == "pageSize=200"


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_changed_callback_is_an_in_place_update_with_one_patch(stack, emu, front_end):
    resource_type, callback = FRONT_ENDS[front_end]
    declare(stack, books=BOOKS)
    stack.up()
    stack.set_instance("books", **{**BOOKS, "callback_url": "https://hooks.example.com/v2"})
    preview = stack.preview("--diff")
    assert f"~ {resource_type}: (update)" in preview.stdout
    resource_part = preview.stdout.split("--outputs:--")[0]
    changed = [
        line.split(":")[0].strip()
        for line in resource_part.splitlines()
        if line.startswith("      ~ ")
    ]
    assert f"~ {callback}" in changed, preview.stdout
    if front_end == "plugin":  # with a detailed diff: only the changed input is shown
        assert len(changed) == 1, preview.stdout
    assert "https://hooks.example.com/v2" in preview.stdout
    assert "replace" not in preview.stdout.lower().replace("to replace", "")
    emu.clear_requests()
    stack.up()
    instance_id = stack.outputs()["books"]["instance_id"]
    assert writes(emu) == [("PATCH", f"/instances/{instance_id}")]
    live = emu.api("GET", f"/instances/{instance_id}").json()
    assert (
        live["configuration"]["event.notification.callback.url"] == "https://hooks.example.com/v2"
    )


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_another_company_is_a_replace(stack, emu, front_end):
    declare(stack, books=BOOKS)
    stack.up()
    old_id = stack.outputs()["books"]["instance_id"]
    stack.grant("books", realm_id=new_company(emu))  # one no instance is bound to
    stack.up_replacing("books", old_id)


def state_name(front_end: str, name: str) -> str:
    """An input's or output's name in the state: the plugin's schema camelCases it."""
    return camel(name) if front_end == "plugin" else name


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_deleted_behind_pulumis_back_is_dropped_by_refresh_and_recreated(stack, emu, front_end):
    declare(stack, books=BOOKS)
    stack.up()
    old_id = stack.outputs()["books"]["instance_id"]
    assert emu.api("DELETE", f"/instances/{old_id}").status_code == 200
    refreshed = stack.refresh()
    assert "deleted" in refreshed.stdout
    assert stack.resources() == []
    # The spent grant cannot create again: a clear message, not a raw 400.
    failed = stack.up(check=False)
    assert failed.returncode != 0
    output = failed.stdout + failed.stderr
    # Its cause, and the exact command for this stack and instance, as that front-end's
    # user has it; no traceback before it.
    command = ONBOARD_SCRIPT if front_end == "plugin" else ONBOARD_COMMAND
    assert "was already used: a grant works once" in output
    assert f"run `{command} --stack e2e --instance books`, then `pulumi up`" in output
    assert "Traceback" not in output and 'File "' not in output
    stack.grant("books")  # a new consent
    stack.up()
    new_id = stack.outputs()["books"]["instance_id"]
    assert new_id != old_id and emu.api("GET", f"/instances/{new_id}").status_code == 200


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_a_grant_for_another_company_is_named_as_such_and_then_works(stack, emu, front_end):
    stack.set_instance("books", **BOOKS)
    granted = stack.grant("books")["realm_id"]
    declared = new_company(emu)  # not the company the consent was given for
    stack.set_realm("books", declared)
    emu.clear_requests()
    failed = stack.up(check=False)
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert f"company {declared} was declared and sent, the grant is for company {granted}" in (
        output
    )
    assert f'in YAML, quote it: "{granted}"' in output
    assert "already used" not in output.split("declared and sent")[1]  # not blamed on spent
    assert "Traceback" not in output and 'File "' not in output
    assert writes(emu) == [("POST", "/instances")]  # refused, nothing made
    # The same grant, with the company it was given for.
    stack.set_realm("books", granted)
    stack.up()
    assert stack.outputs()["books"]["valid"] is True


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_out_of_band_edit_is_drift_that_refresh_shows_and_up_repairs(stack, emu, front_end):
    declare(stack, books=BOOKS)
    stack.up()
    instance_id = stack.outputs()["books"]["instance_id"]
    edited = emu.api(
        "PATCH",
        f"/instances/{instance_id}",
        json={
            "name": "Renamed by hand",
            "configuration": {"event.notification.callback.url": "https://hooks.example.com/hand"},
        },
    )
    assert edited.status_code == 200
    refreshed = stack.refresh("--diff")
    assert "Renamed by hand" in refreshed.stdout
    preview = stack.preview("--diff")
    assert "update" in preview.stdout
    emu.clear_requests()
    stack.up()
    assert writes(emu) == [("PATCH", f"/instances/{instance_id}")]
    live = emu.api("GET", f"/instances/{instance_id}").json()
    assert live["name"] == "Books"
    assert live["configuration"]["event.notification.callback.url"] == EVENTS_URL
    stack.up("--expect-no-changes")


def test_destroy_removes_all_and_only_this_stacks_instances(tmp_path, emu, app):
    ours = PulumiStack(tmp_path / "ours", emu, app, stack="ours")
    theirs = PulumiStack(tmp_path / "theirs", emu, app, stack="theirs")
    declare(ours, books=BOOKS, payroll=PAYROLL)
    declare(theirs, books=BOOKS)  # same resource name, same organization
    ours.up()
    theirs.up()
    their_id = theirs.outputs()["books"]["instance_id"]
    our_ids = {v["instance_id"] for v in ours.outputs().values()}
    emu.clear_requests()
    ours.destroy()
    assert sorted(writes(emu)) == sorted(("DELETE", f"/instances/{i}") for i in our_ids)
    assert emu.api("GET", f"/instances/{their_id}").status_code == 200
    assert ours.resources() == []


def test_removing_an_instance_from_config_deletes_only_it(stack, emu):
    declare(stack, books=BOOKS, payroll=PAYROLL)
    stack.up()
    outputs = stack.outputs()
    stack.remove_instance("payroll")
    emu.clear_requests()
    stack.up()
    assert writes(emu) == [("DELETE", f"/instances/{outputs['payroll']['instance_id']}")]


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_no_secret_in_any_output_or_in_the_exported_state(stack, emu, app, front_end):
    grant = None
    stack.set_instance("books", **{**BOOKS, "signature_key": None})
    stack.set_instance("books", **BOOKS)
    grant = stack.grant("books")
    stack.set_secret("quickbooks:instances.books.signature_key", "sig-" + "k" * 28)
    stack.preview("--diff")
    stack.preview("--json", "--diff")
    stack.up("--diff")
    stack.run("up", "--yes", "--json", "--diff")
    stack.refresh("--diff")
    stack.run("stack", "output", "--json")
    export = stack.run("stack", "export").stdout
    token = json.dumps(export)  # the token is encrypted in state: only ciphertext here
    stack.destroy("--diff")
    org, user = emu.accounts[0]
    secrets = [grant["code"], "sig-" + "k" * 28, app.api_secret, org, user]
    haystack = "\n".join(stack.transcript)
    for secret in secrets:
        assert secret not in haystack
        assert secret not in token
    state = json.loads(export)
    resource = [r for r in state["deployment"]["resources"] if r["type"].endswith(":Instance")][0]
    for name in ("token", "oauth", "signature_key"):
        for section in ("inputs", "outputs"):
            value = resource[section].get(state_name(front_end, name))
            assert value is None or "ciphertext" in json.dumps(value), (section, name)
    assert "ciphertext" in json.dumps(resource["outputs"][state_name(front_end, "token")])


def test_a_mistyped_key_in_the_stack_config_is_named_without_a_traceback(stack, emu):
    declare(stack, books={"name": "Books", "callbak_url": EVENTS_URL})
    emu.clear_requests()
    failed = stack.preview(check=False)
    assert failed.returncode != 0 and writes(emu) == []
    said = "quickbooks:instances.books: QuickBooksInstance 'books': unknown input(s) callbak_url"
    assert said in failed.stdout + failed.stderr
    assert "Traceback" not in failed.stdout + failed.stderr
