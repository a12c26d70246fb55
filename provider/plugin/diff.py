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

from ..core.check import is_unknown
from ..core.inputs import SCHEMA
from ..operations import Diff
from .names import camel
from .protocol import DiffResponse, PropertyDiff
from .types import object_field_names

ADD, DELETE, UPDATE = PropertyDiff.ADD, PropertyDiff.DELETE, PropertyDiff.UPDATE
_REPLACE = {
    ADD: PropertyDiff.ADD_REPLACE,
    DELETE: PropertyDiff.DELETE_REPLACE,
    UPDATE: PropertyDiff.UPDATE_REPLACE,
}


def changed(kind: int, input_diff: bool) -> PropertyDiff:
    """One property's entry of the detailed diff."""
    return PropertyDiff(kind=kind, inputDiff=input_diff)


def response(
    changes: bool, replaces: list[str], detailed_diff: dict[str, PropertyDiff], diffs: list[str]
) -> DiffResponse:
    """The engine's answer to a Diff or DiffConfig: a detailed diff always, the new
    resource created before the old one is deleted (the old one serves meanwhile)."""
    return DiffResponse(
        replaces=replaces,
        deleteBeforeReplace=False,
        changes=DiffResponse.DIFF_SOME if changes else DiffResponse.DIFF_NONE,
        diffs=diffs,
        detailedDiff=detailed_diff,
        hasDetailedDiff=True,
    )


def _kind(old: Any, new: Any, replace: bool) -> int:
    kind = UPDATE
    if old in (None, [], {}):
        kind = ADD
    elif new is None:
        kind = DELETE
    return _REPLACE[kind] if replace else kind


def _elements(key: str, old: list, new: list) -> dict[str, PropertyDiff]:
    """The removed elements (at their index in `old`) and the added ones (at theirs in
    `new`). The added ones are spelled `["key"][n]`, the same path to the engine but
    another key of the map, so an index can hold both; the engine's display shows
    one mark per index, so where both fall on the same index it is one update
    (`old => new`), the only way the removal stays visible."""
    removed = {n for n, v in enumerate(old) if v not in new}
    added = {n for n, v in enumerate(new) if v not in old}
    diffs = {f"{key}[{n}]": changed(DELETE, False) for n in removed - added}
    diffs.update((f'["{key}"][{n}]', changed(ADD, False)) for n in added - removed)
    diffs.update((f"{key}[{n}]", changed(UPDATE, False)) for n in removed & added)
    return diffs


def detailed(result: Diff, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, PropertyDiff]:
    diffs: dict[str, PropertyDiff] = {}
    for name in SCHEMA.user_inputs:
        if is_unknown(news.get(name)):  # a preview: may change, not known how yet
            diffs[camel(name)] = changed(UPDATE, True)
    for field in result.changed:
        name = SCHEMA.input_of(field)
        i = SCHEMA.inputs[name]
        replace = name in result.replaces and field in SCHEMA.replacing
        old, new = olds.get(field), news.get(field)
        if i.compare == "set" and field == name and isinstance(old, list) and isinstance(new, list):
            diffs.update(_elements(camel(name), old, new))
        elif field in (object_field_names(name) or ()):
            # A field of an object input (the outputs hold it in plain).
            new = (news.get(name) or {}).get(field)
            diffs[f"{camel(name)}.{camel(field)}"] = changed(_kind(old, new, replace), True)
        elif i.compare == "fingerprint":
            # Compared by fingerprint, shown as the (secret) input that changed.
            diffs[camel(name)] = changed(UPDATE, True)
        else:
            diffs[camel(field)] = changed(_kind(old, new, replace), False)
    if result.redeliver and not diffs:
        # Held-back events change no input: shown on the one that wants them delivered.
        diffs[camel("events_enabled")] = changed(UPDATE, False)
    return diffs
