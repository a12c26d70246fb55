"""`changed_fields`: the comparison behind every diff, held to DeepDiff's answer.

It replaced `DeepDiff(..., ignore_order=True, ignore_numeric_type_changes=True)`,
which cost milliseconds per resource on the engine's one-at-a-time diff path
(see bench/RESULTS.md); DeepDiff stays as the oracle here.
"""

import subprocess
import sys

from deepdiff import DeepDiff
from hypothesis import given, settings
from hypothesis import strategies as st

from provider.plan import changed_fields

# A small alphabet, so that independently drawn values often collide.
leaves = st.sampled_from([None, True, False, 0, 1, 1.0, 2, 2.5, "", "1", "a", "b"])
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("xy"), inner),
    max_leaves=6,
)
FIELDS = ["name", "tags", "configuration", "n"]
documents = st.dictionaries(st.sampled_from(FIELDS), values)


@st.composite
def same_keys(draw):
    """Two documents with the same keys, as `plan` compares them (observed is built
    from desired's keys). Where the keys barely overlap DeepDiff stops comparing
    key by key and reports only that the root changed: no oracle there."""
    desired = draw(documents)
    observed = {k: draw(values) for k in desired}
    return observed, desired


def deepdiff_fields(observed, desired):
    found = DeepDiff(observed, desired, ignore_order=True, ignore_numeric_type_changes=True)
    return tuple(sorted(str(k) for k in found.affected_root_keys))


def same_to_the_api(value, rnd):
    """The value as the engine may hand it back: lists reordered or repeated, ints as floats."""
    if isinstance(value, dict):
        return {k: same_to_the_api(v, rnd) for k, v in value.items()}
    if isinstance(value, list):
        items = [same_to_the_api(v, rnd) for v in value]
        rnd.shuffle(items)
        return items + items[:1] if items and rnd.random() < 0.3 else items
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


@settings(max_examples=500, deadline=None)
@given(same_keys())
def test_the_same_fields_as_deepdiff(pair):
    observed, desired = pair
    assert changed_fields(observed, desired) == deepdiff_fields(observed, desired)


@settings(max_examples=300, deadline=None)
@given(documents, st.randoms(use_true_random=False))
def test_reordered_repeated_or_float_values_are_no_change(document, rnd):
    returned = same_to_the_api(document, rnd)
    assert changed_fields(returned, document) == ()
    assert deepdiff_fields(returned, document) == ()


def test_a_missing_key_is_a_change_even_against_a_look_alike_value():
    assert changed_fields({"tags": []}, {}) == ("tags",)
    assert changed_fields({}, {"tags": None}) == ("tags",)
    assert changed_fields({"tags": ["absent"]}, {}) == ("tags",)
    assert changed_fields({"n": 5}, {"n": 5.0}) == ()
    assert changed_fields({"n": "5"}, {"n": 5}) == ("n",)


def test_planning_does_not_import_deepdiff():
    # Every process that loads the provider (the program, the provider host) paid
    # for this import; nothing at run time needs it now.
    code = "import sys, provider.plan; sys.exit('deepdiff' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
