"""The engine's property maps (`google.protobuf.Struct`) <-> the plain, snake_case
dicts `operations` takes.

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

from google.protobuf.struct_pb2 import Struct, Value

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


def _struct_plain(struct: Struct, rename: bool, key: str) -> Any:
    fields = struct.fields
    if SIG in fields:
        kind = fields[SIG].string_value
        if kind == SECRET:
            return _plain(fields["value"], rename, key)
        found = KINDS.get(kind, f"a value of kind {kind}")
        raise InputError(f"{key}: {found} is no value of this provider's properties")
    return {(snake(k) if rename else k): _plain(v, rename, key) for k, v in fields.items()}


def _plain(value: Value, rename: bool, key: str) -> Any:
    which = value.WhichOneof("kind")
    if which == "struct_value":
        return _struct_plain(value.struct_value, rename, key)
    if which == "list_value":
        return [_plain(v, rename, key) for v in value.list_value.values]
    if which is None or which == "null_value":
        return None
    return getattr(value, which)


def to_plain(props: Struct, rename: bool = True) -> dict[str, Any]:
    """Engine properties -> snake_case plain data (secrets unwrapped, unknowns marked);
    `rename=False` keeps the keys as they are."""
    plain = {}
    for key, value in props.fields.items():
        name = snake(key) if rename else key
        plain[name] = _plain(value, rename and name in OBJECT_INPUTS, key)
    return plain


def is_secret(value: Value) -> bool:
    """Whether the engine's `value` is marked secret."""
    if not value.HasField("struct_value"):
        return False
    return value.struct_value.fields.get(SIG, Value()).string_value == SECRET


def _value(value: Any, rename: bool) -> Any:
    """`value` in the engine's JSON-like shape (what `Struct.update` takes)."""
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
    struct = Struct()
    struct.update(wire)
    return struct
