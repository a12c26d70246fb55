"""The schema's type of every property, derived from the declaration.

An input's type comes from its value type (pydantic's JSON schema of the same
annotated type `check` validates with); an output's from its declared type, or
from the input of the same name. A grant-like input (an object of named fields,
in one of several shapes) becomes one object type with every field of every
shape, each optional: `check` still decides which shape is valid.
"""

from __future__ import annotations

from functools import cache
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from ..core.declaration import Input
from ..core.inputs import SCHEMA
from .names import PACKAGE, camel

# The output types `core/inputs.py` writes in words.
_OUTPUT_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "list of strings": {"type": "array", "items": {"type": "string"}},
    "map": {"type": "object", "additionalProperties": {"type": "string"}},
}
_JSON_TYPES = {"string": "string", "boolean": "boolean", "integer": "integer", "number": "number"}


def object_type_token(name: str) -> str:
    return f"{PACKAGE}:index:{camel(name)[:1].upper()}{camel(name)[1:]}Grant"


@cache
def _json_schema(name: str) -> dict[str, Any]:
    from pydantic import TypeAdapter  # the schema's build only, never a start

    field = SCHEMA.model.model_fields[name]
    return TypeAdapter(field.rebuild_annotation()).json_schema()


def _variants(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The non-null alternatives of a JSON schema (nested unions flattened, `$ref`s
    resolved)."""
    defs = schema.get("$defs", {}) if defs is None else defs
    if "$ref" in schema:
        return _variants(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return [v for option in options for v in _variants(option, defs)]
    return [] if schema.get("type") == "null" else [schema]


def _plain_type(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if kind == "array":
        return {"type": "array", "items": _plain_type(schema.get("items", {"type": "string"}))}
    if kind == "object":
        extra = schema.get("additionalProperties") or {"type": "string"}
        return {"type": "object", "additionalProperties": _plain_type(extra)}
    return {"type": _JSON_TYPES[kind]}


def object_fields(name: str) -> dict[str, dict[str, Any]] | None:
    """The fields (snake_case name -> JSON schema) of an input whose value is an
    object of named fields, across all its shapes; None for any other input."""
    variants = _variants(_json_schema(name))
    if not all("properties" in v for v in variants):
        return None
    fields: dict[str, dict[str, Any]] = {}
    for variant in variants:
        for field, spec in variant["properties"].items():
            fields.setdefault(field, spec)
    return fields


def _models(annotation: Any) -> list[Any]:
    """The non-null alternatives of a type (`Annotated` unwrapped, unions flattened)."""
    if get_origin(annotation) is Annotated:
        return _models(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return [m for option in get_args(annotation) for m in _models(option)]
    return [] if annotation is type(None) else [annotation]


@cache
def object_field_names(name: str) -> tuple[str, ...] | None:
    """The field names of `object_fields(name)`, read from the models themselves: the
    plugin's every start needs them (`wire.py`), and a JSON schema per input costs it
    ~0.01 s (`tests/unit/test_schema.py` holds that both agree)."""
    options = _models(SCHEMA.model.model_fields[name].rebuild_annotation())
    if not options or not all(isinstance(o, type) and issubclass(o, BaseModel) for o in options):
        return None
    return tuple(dict.fromkeys(f for o in options for f in o.model_fields))


OBJECT_INPUTS = tuple(name for name in SCHEMA.user_inputs if object_field_names(name) is not None)


def input_type(i: Input) -> dict[str, Any]:
    if i.name in OBJECT_INPUTS:
        return {"$ref": f"#/types/{object_type_token(i.name)}"}
    return _plain_type(_variants(_json_schema(i.name))[0])


def output_type(name: str, declared: str) -> dict[str, Any]:
    if name in SCHEMA.inputs and declared not in _OUTPUT_TYPES:
        return input_type(SCHEMA.inputs[name])
    return dict(_OUTPUT_TYPES[declared])


def object_types() -> dict[str, dict[str, Any]]:
    """The schema's `types`: one object type per object input."""
    types = {}
    for name in OBJECT_INPUTS:
        i = SCHEMA.inputs[name]
        fields = object_fields(name) or {}
        types[object_type_token(name)] = {
            "type": "object",
            "description": f"The `{camel(name)}` input: {i.type_doc}.",
            "properties": {
                camel(f): {**_plain_type(_variants(spec)[0]), **_described(spec)}
                for f, spec in fields.items()
            },
        }
    return types


def _described(spec: dict[str, Any]) -> dict[str, Any]:
    enum = spec.get("enum")
    return {"description": f"one of {', '.join(map(str, enum))}"} if enum else {}
