"""The engine's per-property diff, from the core's changed fields.

`operations.diff` says which compared fields differ; this says how to show each
to a person: a set (`tags`, `pollerResources`) by the elements removed from the
old list and added to the new one, never by position; a write-only secret as
changed, its values hidden; a field of an object input (`oauth.realmId`) under
its own path, so a replace names its reason. Old values of list elements are
indexed in the old outputs, new ones in the new inputs (what the engine shows
for `input_diff=False`).
"""

from __future__ import annotations

from typing import Any

from pulumi.provider.experimental.provider import PropertyDiff, PropertyDiffKind

from ..core.check import is_unknown
from ..core.inputs import SCHEMA
from ..operations import Diff
from .names import camel
from .types import object_fields

_REPLACE = {
    PropertyDiffKind.ADD: PropertyDiffKind.ADD_REPLACE,
    PropertyDiffKind.DELETE: PropertyDiffKind.DELETE_REPLACE,
    PropertyDiffKind.UPDATE: PropertyDiffKind.UPDATE_REPLACE,
}


def _kind(old: Any, new: Any, replace: bool) -> PropertyDiffKind:
    kind = PropertyDiffKind.UPDATE
    if old in (None, [], {}):
        kind = PropertyDiffKind.ADD
    elif new is None:
        kind = PropertyDiffKind.DELETE
    return _REPLACE[kind] if replace else kind


def _elements(key: str, old: list, new: list) -> dict[str, PropertyDiff]:
    """The removed elements (at their index in `old`) and the added ones (at theirs in
    `new`). The added ones are spelled `["key"][n]`, the same path to the engine but
    another key of the map, so an index can hold both; the engine's display shows
    one mark per index, so where both fall on the same index it is one update
    (`old => new`), the only way the removal stays visible."""
    removed = {n for n, v in enumerate(old) if v not in new}
    added = {n for n, v in enumerate(new) if v not in old}
    diffs = {f"{key}[{n}]": PropertyDiff(PropertyDiffKind.DELETE, False) for n in removed - added}
    diffs.update(
        (f'["{key}"][{n}]', PropertyDiff(PropertyDiffKind.ADD, False)) for n in added - removed
    )
    diffs.update(
        (f"{key}[{n}]", PropertyDiff(PropertyDiffKind.UPDATE, False)) for n in removed & added
    )
    return diffs


def detailed(result: Diff, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, PropertyDiff]:
    diffs: dict[str, PropertyDiff] = {}
    for name in SCHEMA.user_inputs:
        if is_unknown(news.get(name)):  # a preview: may change, not known how yet
            diffs[camel(name)] = PropertyDiff(PropertyDiffKind.UPDATE, True)
    for field in result.changed:
        name = SCHEMA.input_of(field)
        i = SCHEMA.inputs[name]
        replace = name in result.replaces and field in SCHEMA.replacing
        old, new = olds.get(field), news.get(field)
        if i.compare == "set" and field == name and isinstance(old, list) and isinstance(new, list):
            diffs.update(_elements(camel(name), old, new))
        elif field in (object_fields(name) or {}):
            # A field of an object input (the outputs hold it in plain).
            new = (news.get(name) or {}).get(field)
            diffs[f"{camel(name)}.{camel(field)}"] = PropertyDiff(_kind(old, new, replace), True)
        elif i.compare == "fingerprint":
            # Compared by fingerprint, shown as the (secret) input that changed.
            diffs[camel(name)] = PropertyDiff(PropertyDiffKind.UPDATE, True)
        else:
            diffs[camel(field)] = PropertyDiff(_kind(old, new, replace), False)
    if result.redeliver and not diffs:
        # Held-back events change no input: shown on the one that wants them delivered.
        diffs[camel("events_enabled")] = PropertyDiff(PropertyDiffKind.UPDATE, False)
    return diffs
