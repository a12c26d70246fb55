"""What the state holds per instance, and a state of the older shape after an upgrade.

The state keeps the declared inputs (no default, no null) and the outputs that have
a value, without the removed `configuration`. A stack written before (every default
and null among the inputs, null outputs, `configuration`) is rebuilt here from a new
one by `stack export` / `stack import`, on either front-end: the upgraded provider
must see no change in it (preview, up, refresh), write nothing, and show a real
change as that change alone.
"""

from __future__ import annotations

import json

import pytest

from harness.emulator import writes
from provider.core.catalog import KEY_REALM
from provider.core.check import with_defaults
from provider.core.inputs import SCHEMA
from provider.plugin.names import camel

from .test_engine import BOOKS, FRONT_ENDS, declare


def _named(front_end: str):
    return camel if front_end == "plugin" else str


def _instance(state: dict) -> dict:
    resources = state["deployment"]["resources"]
    return next(r for r in resources if r["type"].endswith(":Instance"))


def _older_shape(resource: dict, front_end: str) -> None:
    """The resource as the provider wrote it before: every input at its default (the
    plugin's nulls too), the plugin's null outputs, and the `configuration` output."""
    named = _named(front_end)
    plain = front_end == "plugin"  # the dynamic resource never stored a null
    for name, value in with_defaults({}).items():
        if name in SCHEMA.user_inputs and (value is not None or plain):
            resource["inputs"].setdefault(named(name), value)
    outputs = resource["outputs"]
    if plain:
        for name in SCHEMA.output_names:
            outputs.setdefault(named(name), None)
    snake = {name: outputs.get(named(name)) for name in SCHEMA.output_names}
    outputs[named("configuration")] = {
        **SCHEMA.configuration_of(snake),
        **(snake["extra_configuration"] or {}),
        KEY_REALM: snake["realm_id"],
    }


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_an_older_state_is_no_change_and_shows_a_real_change_alone(stack, emu, front_end, tmp_path):
    named = _named(front_end)
    declare(stack, books=BOOKS)
    stack.up()
    state = stack.export()
    resource = _instance(state)
    # The declared inputs only; no null output, no `configuration`.
    declared = {"name", "callback_url", "tags", "poll_interval_minutes", "oauth"}
    assert set(resource["inputs"]) - {"__provider"} == {
        named(n) for n in (*declared, "ownership_tag", "oauth_fingerprint")
    }
    assert named("configuration") not in resource["outputs"]
    assert None not in resource["outputs"].values()
    assert resource["outputs"][named("poller_resources")]  # every resource, as observed

    _older_shape(resource, front_end)
    older = tmp_path / "older.json"
    older.write_text(json.dumps(state))
    stack.run("stack", "import", "--file", str(older))
    assert named("configuration") in _instance(stack.export())["outputs"]

    emu.clear_requests()
    stack.preview("--diff", "--expect-no-changes")
    stack.up("--expect-no-changes")
    stack.refresh("--expect-no-changes")
    assert writes(emu) == []
    # The next state is the new shape again.
    again = _instance(stack.export())
    assert named("configuration") not in again["outputs"]
    assert named("poller_resources") not in again["inputs"]

    # A real change on top of an older state shows as that change alone.
    stack.run("stack", "import", "--file", str(older))
    stack.set_instance("books", **{**BOOKS, "callback_url": "https://hooks.example.com/v2"})
    preview = stack.preview("--diff").stdout
    changed = [
        line.strip().split(":")[0].strip()
        for line in preview.split("--outputs:--")[0].splitlines()
        if line.startswith(("      ~ ", "      - ", "      + "))
    ]
    assert changed == [f"~ {named('callback_url')}"], preview
    emu.clear_requests()
    stack.up()
    instance_id = stack.outputs()["books"]["instance_id"]
    assert writes(emu) == [("PATCH", f"/instances/{instance_id}")]
    stack.up("--expect-no-changes")
