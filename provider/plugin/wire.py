"""The engine's typed values <-> the plain, snake_case dicts `operations` takes.

The schema names every property in camelCase (`callbackUrl`, `oauth.realmId`); the
declaration, the state of the dynamic resource and every core rule use snake_case.
Only the keys of properties are renamed, and inside the grant object; never the
keys of a map value (`extraConfiguration`, `configuration`), which are the API's.
Secrets are unwrapped on the way in and marked on the way out. An unknown value of
a preview travels as the engine's marker string, the core's `check.UNKNOWN`, both
ways (the SDK's `PropertyValue` reads it as that string and cannot write its own
`Computed`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue

from ..core.check import UNKNOWN
from .names import camel, snake
from .types import OBJECT_INPUTS  # objects of named fields: renamed inside too


def _plain(value: PropertyValue, rename: bool) -> Any:
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, Mapping):
        return {(snake(k) if rename else k): _plain(v, rename) for k, v in inner.items()}
    if isinstance(inner, Sequence) and not isinstance(inner, str):
        return [_plain(v, rename) for v in inner]
    return inner


def to_plain(props: Mapping[str, PropertyValue], rename: bool = True) -> dict[str, Any]:
    """Engine properties -> snake_case plain data (secrets unwrapped, unknowns marked);
    `rename=False` keeps the keys as they are."""
    plain = {}
    for key, value in props.items():
        name = snake(key) if rename else key
        plain[name] = _plain(value, rename=rename and name in OBJECT_INPUTS)
    return plain


def _value(value: Any, rename: bool) -> PropertyValue:
    if value is None:
        return PropertyValue.null()
    if isinstance(value, bool | str):
        return PropertyValue(value)
    if isinstance(value, int | float):
        return PropertyValue(float(value))
    if isinstance(value, Mapping):
        return PropertyValue(
            {(camel(k) if rename else k): _value(v, rename) for k, v in value.items()}
        )
    return PropertyValue([_value(v, rename) for v in value])


def to_wire(plain: Mapping[str, Any], secrets: Iterable[str] = ()) -> dict[str, PropertyValue]:
    """Plain snake_case data -> engine properties, the `secrets` (snake names) marked
    secret whatever their value (an absent one stays null: nothing to hide)."""
    secret = set(secrets)
    wire = {}
    for name, value in plain.items():
        pv = _value(value, rename=name in OBJECT_INPUTS)
        if name in secret and value is not None:
            pv = pv.with_secret(True)
        wire[camel(name)] = pv
    return wire
