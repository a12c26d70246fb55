"""The resource is declared once (`provider/core/inputs.py`): the resource class,
`check`, the plan, the observed outputs and the docs all follow the declaration,
and the declared interface is the documented one."""

from __future__ import annotations

import base64
import inspect
import json
from pathlib import Path

import dill
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provider.core.check import check_inputs
from provider.core.codecs import INT
from provider.core.declaration import Config, Input, Schema
from provider.core.inputs import INPUTS, SCHEMA
from provider.core.observe import instance_outputs
from provider.core.plan import create_body, plan
from provider.docs import inputs_table, outputs_table
from provider.lifecycle import QuickBooksInstanceProvider
from provider.resource import SECRET_OUTPUTS, QuickBooksInstance

# The documented interface, written out: a change to the declaration that drops,
# renames or adds one of these fails here, not silently in a user's stack.
DOCUMENTED_INPUTS = (
    "name",
    "tags",
    "callback_url",
    "events_enabled",
    "poller_resources",
    "poll_interval_minutes",
    "event_vendor_type",
    "signature_key",
    "extra_configuration",
    "oauth",
    "enabled",
    "takeover_company",
    "adopt_id",
    "adopt_from",
    "on_delete",
)
DOCUMENTED_OUTPUTS = {
    "instance_id",
    "element_key",
    "name",
    "tags",
    "ownership_tag",
    "stack_tag",
    "callback_url",
    "events_enabled",
    "poller_resources",
    "poll_interval_minutes",
    "event_vendor_type",
    "extra_configuration",
    "realm_id",
    "valid",
    "disabled",
    "enabled",
    "health",
    "created_date",
    "token",
    "signature_key_fingerprint",
    "oauth_fingerprint",
    "adopt_id",
    "on_delete",
}
FIXTURE = Path(__file__).parents[1] / "fixtures" / "state-before-core.json"
OWNER = "pulumi:p:s:r"


def test_check_refuses_an_unknown_input_naming_every_documented_one():
    _, failures = check_inputs({"name": "x", "ownership_tag": OWNER, "nope": 1})
    unknown = next(f for f in failures if f.property == "nope")
    assert all(f"{name}" in unknown.reason for name in DOCUMENTED_INPUTS)
    assert set(SCHEMA.user_inputs) == set(DOCUMENTED_INPUTS)


def test_observed_outputs_and_the_resource_class_are_the_documented_outputs():
    outputs = instance_outputs(
        {"id": 1, "tags": [OWNER, "pulumi:p:s"], "configuration": {}},
        ownership_tag=OWNER,
        extra_keys=[],
        prior={},
    )
    assert set(outputs) == DOCUMENTED_OUTPUTS
    assert set(QuickBooksInstance.__annotations__) == DOCUMENTED_OUTPUTS
    assert "opts" in inspect.signature(QuickBooksInstance.__init__).parameters
    assert set(SECRET_OUTPUTS) == {"token", "signature_key", "oauth"}


def test_a_new_realm_or_adopt_id_replaces_and_nothing_else_does():
    base = {"name": "Books", "ownership_tag": OWNER, "callback_url": "https://h.example.com/e"}
    old = {**base, "oauth": {"code": "c1", "realm_id": "1"}, "adopt_id": "42"}
    inputs, _ = check_inputs(old)
    spec = SCHEMA.model.model_validate(inputs)
    outputs = instance_outputs(
        {"id": 41, "name": "Books", "tags": [OWNER, "pulumi:p:s"], "configuration": {}},
        ownership_tag=OWNER,
        extra_keys=[],
        prior={"realm_id": "1", "adopt_id": "43"},
    )
    assert plan(spec, outputs, "k").replaces == ("adopt_id",)
    outputs["realm_id"] = "2"
    assert plan(spec, outputs, "k").replaces == ("adopt_id", "oauth")


def test_the_refused_unknown_input_of_the_resource_class_is_named():
    try:
        QuickBooksInstance("books", name="Books", callback_ur="https://hooks.example.com/x")
    except TypeError as exc:
        assert "callback_ur" in str(exc) and "callback_url" in str(exc)
    else:
        raise AssertionError("a misspelt input must fail")


# --- the recipe: one table entry adds an input ---------------------------------------

JITTER = Input(
    "poll_jitter_seconds",
    int | None,
    None,
    type_doc="int",
    default_doc="unset",
    doc="`event.poller.jitter` (test-only input)",
    api=Config("event.poller.jitter", INT),
    output_type="int",
)
WITH_JITTER = Schema(
    (*INPUTS, JITTER),
    ownership_tag=SCHEMA.model.model_fields["ownership_tag"].annotation,
    leading=SCHEMA.outputs[:2],
    trailing=SCHEMA.outputs[-6:],
)


def test_an_input_added_as_one_table_entry_flows_through_check_diff_patch_read_and_docs():
    news = {
        "name": "Books",
        "ownership_tag": OWNER,
        "callback_url": "https://h.example.com/e",
        "oauth": {"code": "c1", "realm_id": "1"},
        "poll_jitter_seconds": 30.0,  # as gRPC sends numbers
    }
    inputs, failures = check_inputs(news, schema=WITH_JITTER)
    assert failures == [] and inputs["poll_jitter_seconds"] == 30
    _, failures = check_inputs({**news, "poll_jitter_seconds": "soon"}, schema=WITH_JITTER)
    assert [f.property for f in failures] == ["poll_jitter_seconds"]
    spec = WITH_JITTER.model.model_validate(inputs)

    body = create_body(spec, "key", "secret", "https://app.example.com/cb")
    assert body["configuration"]["event.poller.jitter"] == "30"
    live = {"id": 7, "name": "Books", "tags": body["tags"], "configuration": body["configuration"]}
    known = WITH_JITTER.known_to_provider(spec, {}, "k")
    read = instance_outputs(
        live, ownership_tag=OWNER, extra_keys=[], prior=known, schema=WITH_JITTER
    )
    assert read["poll_jitter_seconds"] == 30  # read decodes it
    assert plan(spec, {**read, "realm_id": "1"}, "k").changed == ()

    drifted = {**read, "poll_jitter_seconds": 5}
    todo = plan(spec, drifted, "k")
    assert "poll_jitter_seconds" in todo.changed  # diff sees it
    assert todo.patch["configuration"] == {"event.poller.jitter": "30"}  # PATCH sends it
    assert "`poll_jitter_seconds`" in inputs_table(WITH_JITTER)
    assert "`poll_jitter_seconds`" in outputs_table(WITH_JITTER)
    assert "poll_jitter_seconds" not in SCHEMA.output_names  # the real table is untouched


def test_an_input_on_a_key_extra_configuration_sets_is_refused_by_the_declaration():
    minor = Input(
        "minor_version",
        int | None,
        None,
        type_doc="int",
        default_doc="unset",
        api=Config("quickbooks.minorversion", INT),
    )
    with pytest.raises(ValueError, match="'minor_version'.*'quickbooks.minorversion'"):
        Schema(
            (*INPUTS, minor),
            ownership_tag=SCHEMA.model.model_fields["ownership_tag"].annotation,
            leading=SCHEMA.outputs[:2],
            trailing=SCHEMA.outputs[-6:],
            open_keys=frozenset({"quickbooks.minorversion"}),
        )


@settings(max_examples=60, deadline=None)
@given(st.fixed_dictionaries({i.name: i.strategy(st) for i in INPUTS if i.strategy}))
def test_every_declared_strategy_is_valid_input_and_round_trips_through_the_api(values):
    news = {**values, "ownership_tag": OWNER, "oauth": {"code": "c1", "realm_id": "1"}}
    news.setdefault("callback_url", "https://h.example.com/e")
    inputs, failures = check_inputs(news)
    assert failures == []
    spec = SCHEMA.model.model_validate(inputs)
    body = create_body(spec, "key", "secret", "https://app.example.com/cb")
    created = {"id": 7, "name": spec.name, "tags": body["tags"], "disabled": not spec.enabled}
    read = instance_outputs(
        {**created, "configuration": body["configuration"]},
        ownership_tag=OWNER,
        extra_keys=list(spec.extra_configuration),
        prior=SCHEMA.known_to_provider(spec, {}, "k"),
    )
    assert plan(spec, {**read, "realm_id": "1"}, "k").changed == ()


# --- states written before the core existed -----------------------------------------


def test_a_state_written_before_the_core_still_unpickles_and_shows_no_change():
    fixture = json.loads(FIXTURE.read_text())
    provider = dill.loads(base64.b64decode(fixture["provider"]))
    assert isinstance(provider, QuickBooksInstanceProvider)
    inputs, failures = check_inputs(fixture["inputs"])
    assert failures == []
    spec = SCHEMA.model.model_validate(inputs)
    assert plan(spec, fixture["outputs"], fixture["fingerprint_key"]).changed == ()


def test_the_plugins_object_inputs_read_from_the_models_are_the_schemas():
    """The plugin reads which inputs are objects, and their fields, from the models at
    every start (cheap); the schema's types read them from the JSON schema: the same."""
    from provider.plugin.types import OBJECT_INPUTS, object_field_names, object_fields

    for name in SCHEMA.user_inputs:
        fields = object_fields(name)
        assert object_field_names(name) == (None if fields is None else tuple(fields)), name
    assert OBJECT_INPUTS == ("oauth",)
