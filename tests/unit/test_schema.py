"""The resource is declared once: the resource class, `check`, the observed outputs and
the replace rules all agree with the declaration (the generated docs: test_docs.py)."""

from __future__ import annotations

import inspect

from provider.observe import instance_outputs
from provider.plan import INPUT_OF, REPLACING
from provider.resource import QuickBooksInstance
from provider.schema import OUTPUT_NAMES, SECRET_OUTPUTS
from provider.spec import SECRET_INPUTS, USER_INPUTS, InstanceSpec
from provider.validation import check_inputs


def test_every_input_is_documented_and_check_knows_exactly_the_declared_inputs():
    for name in USER_INPUTS:
        extra = InstanceSpec.model_fields[name].json_schema_extra
        assert isinstance(extra, dict) and extra["type"] and extra["default"], name
    _, failures = check_inputs({"name": "x", "ownership_tag": "pulumi:p:s:r", "nope": 1})
    unknown = next(f for f in failures if f.property == "nope")
    assert all(name in unknown.reason for name in USER_INPUTS)


def test_observed_outputs_are_exactly_the_declared_outputs():
    outputs = instance_outputs(
        {"id": 1, "tags": ["pulumi:p:s:r", "pulumi:p:s"], "configuration": {}},
        ownership_tag="pulumi:p:s:r",
        extra_keys=[],
        prior={},
    )
    assert tuple(outputs) == OUTPUT_NAMES


def test_the_resource_class_takes_the_declared_inputs_and_has_the_declared_outputs():
    assert set(QuickBooksInstance.__annotations__) == set(OUTPUT_NAMES)
    assert "opts" in inspect.signature(QuickBooksInstance.__init__).parameters
    assert set(SECRET_OUTPUTS) == {"token", *SECRET_INPUTS}


def test_declared_replacing_inputs_are_the_plans():
    replacing = {
        name
        for name in USER_INPUTS
        if "replace" in InstanceSpec.model_fields[name].json_schema_extra["on_change"]
    }
    assert replacing == {INPUT_OF[field] for field in REPLACING}


def test_an_unknown_input_is_refused_by_name():
    try:
        QuickBooksInstance("books", name="Books", callback_ur="https://hooks.example.com/x")
    except TypeError as exc:
        assert "callback_ur" in str(exc) and "callback_url" in str(exc)
    else:
        raise AssertionError("a misspelt input must fail")
