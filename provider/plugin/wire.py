"""The engine's property maps <-> the plain, snake_case dicts `operations` takes.

A property map (`google.protobuf.Struct`) arrives as the JSON-like dict it carries
(`codec.py`): this renames its keys and takes the engine's marks off, and back.

The schema names every property in camelCase (`callbackUrl`, `oauth.realmId`); the
declaration, the state of the dynamic resource and every core rule use snake_case.
Only the keys of properties are renamed, and inside the grant object; never the
keys of a map value (`extraConfiguration`, `configuration`), which are the API's.

The engine marks a special value with an object whose signature key holds the kind:
a secret is `{SIG: SECRET, "value": v}`, unwrapped on the way in and written so
on the way out. An unknown value of a preview travels as the engine's marker string,
the core's `check.UNKNOWN`, both ways. A number is a float, as protobuf carries it.
The plugin's `Configure` accepts neither resource references nor output values, so
the engine sends neither; an asset or archive is no value of any property here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import InputError
from .names import camel, snake
from .types import OBJECT_INPUTS  # objects of named fields: renamed inside too

# The engine's signature key and kinds (`sdk/go/common/resource/sig`).
SIG = "4dabf18193072939515e22adb298388d"
SECRET = "1b47061264138c4ac30d75fd1eb44270"
OUTPUT = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
KINDS = {
    "c44067f5952c0a294b673a41bacd8c17": "an asset",
    "0def7320c3a5731c473e5ecbe6d01bc7": "an archive",
    "5cf8f73096256a8f31e491e813e4eb8e": "a resource reference",
    OUTPUT: "an output value",
}


def marked(value: Any) -> bool:
    """Whether `value` is one the engine marks with its signature key (a secret, an
    unknown output, an asset...): never shown as it is."""
    return isinstance(value, dict) and SIG in value


# A property map as the engine sends it (`codec.py`): JSON-like values, each special
# one an object with the signature key. None: a message's map left unset.
Struct = dict[str, Any]


def _plain(value: Any, rename: bool, key: str) -> Any:
    if marked(value):
        kind = value[SIG] if isinstance(value[SIG], str) else ""
        if kind == SECRET:
            return _plain(value.get("value"), rename, key)
        found = KINDS.get(kind, f"a value of kind {kind}")
        raise InputError(f"{key}: {found} is no value of this provider's properties")
    if isinstance(value, dict):
        return {(snake(k) if rename else k): _plain(v, rename, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, rename, key) for v in value]
    return value


def to_plain(props: Struct | None, rename: bool = True) -> dict[str, Any]:
    """Engine properties -> snake_case plain data (secrets unwrapped, unknowns marked);
    `rename=False` keeps the keys as they are. An unset map is an empty one."""
    plain = {}
    for key, value in (props or {}).items():
        name = snake(key) if rename else key
        plain[name] = _plain(value, rename and name in OBJECT_INPUTS, key)
    return plain


def is_secret(value: Any) -> bool:
    """Whether the engine's `value` (one of a property map's) is marked secret."""
    return marked(value) and value[SIG] == SECRET


def _value(value: Any, rename: bool) -> Any:
    """`value` in the engine's JSON-like shape (a number a float, as the wire carries it)."""
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Mapping):
        return {(camel(k) if rename else k): _value(v, rename) for k, v in value.items()}
    return [_value(v, rename) for v in value]


def to_wire(plain: Mapping[str, Any], secrets: Iterable[str] = ()) -> Struct:
    """Plain snake_case data -> engine properties, the `secrets` (snake names) marked
    secret whatever their value (an absent one stays null: nothing to hide)."""
    secret = set(secrets)
    wire = {}
    for name, value in plain.items():
        engine_value = _value(value, rename=name in OBJECT_INPUTS)
        if name in secret and value is not None:
            engine_value = {SIG: SECRET, "value": engine_value}
        wire[camel(name)] = engine_value
    return wire
