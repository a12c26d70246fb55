"""`plan` skips DeepDiff when observed and desired are identical (every no-op diff)."""

import deepdiff
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provider.core.plan import _identical, changed_fields, plan
from tests.unit.test_plan import KEY, outputs_of, spec, specs

leaves = st.sampled_from([None, True, False, 0, 1, 2, 2.5, -0.0, "", "1", "a"])
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("xy"), inner),
    max_leaves=6,
)
documents = st.dictionaries(st.sampled_from(["name", "tags", "configuration", "n"]), values)


def as_the_engine_returns(value, bools_as_numbers=False):
    """Equal under ==, in another representation: numbers as doubles (and bools as
    numbers, which == also calls equal)."""
    if isinstance(value, dict):
        return {k: as_the_engine_returns(v, bools_as_numbers) for k, v in value.items()}
    if isinstance(value, list):
        return [as_the_engine_returns(v, bools_as_numbers) for v in value]
    if isinstance(value, int) and (bools_as_numbers or not isinstance(value, bool)):
        return float(value)
    return value


def deepdiff_fields(observed, desired):
    found = deepdiff.DeepDiff(
        observed, desired, ignore_order=True, ignore_numeric_type_changes=True
    )
    return sorted(found.affected_root_keys)


@settings(max_examples=400, deadline=None)
@given(documents, st.booleans())
def test_where_identical_holds_deepdiff_finds_no_change(document, bools_as_numbers):
    returned = as_the_engine_returns(document, bools_as_numbers)
    if _identical(returned, document):
        assert deepdiff_fields(returned, document) == []
    else:
        assert bools_as_numbers  # only a bool turned number makes them differ


@settings(max_examples=400, deadline=None)
@given(documents, documents)
def test_identical_never_hides_a_change(observed, desired):
    if _identical(observed, desired):
        assert deepdiff_fields(observed, desired) == []


@pytest.fixture
def deepdiff_calls(monkeypatch):
    calls = []
    original = deepdiff.DeepDiff

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(deepdiff, "DeepDiff", counting)
    return calls


@settings(max_examples=100, deadline=None)
@given(specs)
def test_an_unchanged_resource_is_planned_without_deepdiff(s):
    # As the engine hands the state back: every number a double.
    old = as_the_engine_returns(outputs_of(s))
    original = deepdiff.DeepDiff
    deepdiff.DeepDiff = None  # any call fails
    try:
        assert not plan(s, old, KEY).has_changes
    finally:
        deepdiff.DeepDiff = original


def test_a_change_still_goes_through_deepdiff(deepdiff_calls):
    old = outputs_of(spec(tags=["a", "b"]))
    assert plan(spec(tags=["a", "c"]), old, KEY).changed == ("tags",)
    assert len(deepdiff_calls) == 1


@settings(max_examples=400, deadline=None)
@given(documents, documents)
def test_changed_fields_are_deepdiffs_root_keys(desired, other):
    """Only the non-identical lists and maps go to DeepDiff: the answer is still its own."""
    desired = {k: v for k, v in desired.items() if v is not None}
    observed = {k: other.get(k) for k in desired}  # as plan builds it: every desired key
    assert list(changed_fields(observed, desired)) == deepdiff_fields(observed, desired)
