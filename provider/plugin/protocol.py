"""The engine's messages the plugin serves, declared here rather than taken from the SDK.

The SDK's generated messages (`pulumi.runtime.proto`) load the whole `pulumi` package
on their first import, ~0.15 s of CPU of every command that starts the plugin. The
plugin needs a few messages of the `pulumirpc` protocol (the `ResourceProvider`
methods it answers, and the engine's `Log`), and of each only the fields it reads or
writes: those are declared below, each with upstream's number and type, and built
into message classes at import (a `FileDescriptorProto`, no generated file). A field
the plugin does not declare still travels: protobuf keeps it as an unknown field.

The file's package is the plugin's own, never `pulumirpc`, so a process that loads
the SDK's messages too (the tests) holds both in one descriptor pool without a clash.
The gRPC method paths stay the engine's (`server.py`). `tests/unit/test_protocol.py`
compares every field declared here with the installed SDK's descriptors, so a change
upstream fails there.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, struct_pb2

PACKAGE = "quickbooks.plugin"
FILE = "quickbooks/plugin/protocol.proto"
STRUCT = ".google.protobuf.Struct"

# Each message: its fields as (name, number, type). A type is a scalar's name, a
# message's (ours, or the Struct of every property map), `enum <Name>`, `repeated <type>`
# or `map <value type>` (string keys).
MESSAGES: dict[str, tuple[tuple[str, int, str], ...]] = {
    "CheckRequest": (("urn", 1, "string"), ("olds", 2, STRUCT), ("news", 3, STRUCT)),
    "CheckFailure": (("property", 1, "string"), ("reason", 2, "string")),
    "CheckResponse": (("inputs", 1, STRUCT), ("failures", 2, "repeated CheckFailure")),
    "DiffRequest": (
        ("id", 1, "string"),
        ("urn", 2, "string"),
        ("olds", 3, STRUCT),
        ("news", 4, STRUCT),
        ("ignoreChanges", 5, "repeated string"),
    ),
    "PropertyDiff": (("kind", 1, "enum PropertyDiff.Kind"), ("inputDiff", 2, "bool")),
    "DiffResponse": (
        ("replaces", 1, "repeated string"),
        ("stables", 2, "repeated string"),
        ("deleteBeforeReplace", 3, "bool"),
        ("changes", 4, "enum DiffResponse.DiffChanges"),
        ("diffs", 5, "repeated string"),
        ("detailedDiff", 6, "map PropertyDiff"),
        ("hasDetailedDiff", 7, "bool"),
    ),
    "ConfigureRequest": (
        ("variables", 1, "map string"),
        ("args", 2, STRUCT),
        ("acceptSecrets", 3, "bool"),
        ("acceptResources", 4, "bool"),
    ),
    "ConfigureResponse": (
        ("acceptSecrets", 1, "bool"),
        ("supportsPreview", 2, "bool"),
        ("acceptResources", 3, "bool"),
        ("acceptOutputs", 4, "bool"),
    ),
    "CreateRequest": (
        ("urn", 1, "string"),
        ("properties", 2, STRUCT),
        ("timeout", 3, "double"),
        ("preview", 4, "bool"),
    ),
    "CreateResponse": (("id", 1, "string"), ("properties", 2, STRUCT)),
    "ReadRequest": (
        ("id", 1, "string"),
        ("urn", 2, "string"),
        ("properties", 3, STRUCT),
        ("inputs", 4, STRUCT),
    ),
    "ReadResponse": (("id", 1, "string"), ("properties", 2, STRUCT), ("inputs", 3, STRUCT)),
    "UpdateRequest": (
        ("id", 1, "string"),
        ("urn", 2, "string"),
        ("olds", 3, STRUCT),
        ("news", 4, STRUCT),
        ("timeout", 5, "double"),
        ("ignoreChanges", 6, "repeated string"),
        ("preview", 7, "bool"),
    ),
    "UpdateResponse": (("properties", 1, STRUCT),),
    "DeleteRequest": (
        ("id", 1, "string"),
        ("urn", 2, "string"),
        ("properties", 3, STRUCT),
        ("timeout", 4, "double"),
    ),
    "InvokeRequest": (("tok", 1, "string"), ("args", 2, STRUCT)),
    "InvokeResponse": (("return", 1, STRUCT), ("failures", 2, "repeated CheckFailure")),
    "GetSchemaRequest": (("version", 1, "int32"),),
    "GetSchemaResponse": (("schema", 1, "string"),),
    "PluginInfo": (("version", 1, "string"),),  # upstream's plugin.proto
    "LogRequest": (  # upstream's engine.proto
        ("severity", 1, "enum LogSeverity"),
        ("message", 2, "string"),
        ("urn", 3, "string"),
        ("streamId", 4, "int32"),
        ("ephemeral", 5, "bool"),
    ),
}

# Each enum (`Message.Enum` nested in its message, else top-level): its values in order.
ENUMS: dict[str, tuple[str, ...]] = {
    "PropertyDiff.Kind": (
        "ADD",
        "ADD_REPLACE",
        "DELETE",
        "DELETE_REPLACE",
        "UPDATE",
        "UPDATE_REPLACE",
    ),
    "DiffResponse.DiffChanges": ("DIFF_UNKNOWN", "DIFF_NONE", "DIFF_SOME"),
    "LogSeverity": ("DEBUG", "INFO", "WARNING", "ERROR"),
}

_F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {
    "string": _F.TYPE_STRING,
    "bool": _F.TYPE_BOOL,
    "double": _F.TYPE_DOUBLE,
    "int32": _F.TYPE_INT32,
}


def _typed(field: _F, kind: str) -> None:
    if kind in _SCALARS:
        field.type = _SCALARS[kind]
    elif kind.startswith("enum "):
        field.type, field.type_name = _F.TYPE_ENUM, f".{PACKAGE}.{kind.removeprefix('enum ')}"
    else:
        field.type = _F.TYPE_MESSAGE
        field.type_name = kind if kind.startswith(".") else f".{PACKAGE}.{kind}"


def _message(name: str, fields: tuple[tuple[str, int, str], ...]) -> descriptor_pb2.DescriptorProto:
    message = descriptor_pb2.DescriptorProto(name=name)
    for field_name, number, kind in fields:
        field = message.field.add(name=field_name, number=number, label=_F.LABEL_OPTIONAL)
        if kind.startswith("repeated "):
            field.label, kind = _F.LABEL_REPEATED, kind.removeprefix("repeated ")
        elif kind.startswith("map "):
            # A map is a repeated entry message of its own, as protoc writes it.
            entry = f"{field_name[:1].upper()}{field_name[1:]}Entry"
            nested = message.nested_type.add(name=entry)
            nested.options.map_entry = True
            nested.field.add(name="key", number=1, label=_F.LABEL_OPTIONAL, type=_F.TYPE_STRING)
            value = nested.field.add(name="value", number=2, label=_F.LABEL_OPTIONAL)
            _typed(value, kind.removeprefix("map "))
            field.label, kind = _F.LABEL_REPEATED, f"{name}.{entry}"
        _typed(field, kind)
    return message


def _file() -> descriptor_pb2.FileDescriptorProto:
    file = descriptor_pb2.FileDescriptorProto(
        name=FILE, package=PACKAGE, syntax="proto3", dependency=[struct_pb2.DESCRIPTOR.name]
    )
    messages = {name: _message(name, fields) for name, fields in MESSAGES.items()}
    for enum_name, values in ENUMS.items():
        owner, _, name = enum_name.rpartition(".")
        enum = (messages[owner].enum_type if owner else file.enum_type).add(name=name)
        for number, value in enumerate(values):
            enum.value.add(name=value, number=number)
    file.message_type.extend(messages.values())
    return file


_pool = descriptor_pool.Default()
try:
    _descriptor = _pool.FindFileByName(FILE)  # imported again (e.g. by a test's reload)
except KeyError:
    _descriptor = _pool.AddSerializedFile(_file().SerializeToString())
_classes: dict[str, Any] = {
    name: message_factory.GetMessageClass(_descriptor.message_types_by_name[name])
    for name in MESSAGES
}

CheckRequest = _classes["CheckRequest"]
CheckFailure = _classes["CheckFailure"]
CheckResponse = _classes["CheckResponse"]
DiffRequest = _classes["DiffRequest"]
PropertyDiff = _classes["PropertyDiff"]
DiffResponse = _classes["DiffResponse"]
ConfigureRequest = _classes["ConfigureRequest"]
ConfigureResponse = _classes["ConfigureResponse"]
CreateRequest = _classes["CreateRequest"]
CreateResponse = _classes["CreateResponse"]
ReadRequest = _classes["ReadRequest"]
ReadResponse = _classes["ReadResponse"]
UpdateRequest = _classes["UpdateRequest"]
UpdateResponse = _classes["UpdateResponse"]
DeleteRequest = _classes["DeleteRequest"]
InvokeRequest = _classes["InvokeRequest"]
InvokeResponse = _classes["InvokeResponse"]
GetSchemaRequest = _classes["GetSchemaRequest"]
GetSchemaResponse = _classes["GetSchemaResponse"]
PluginInfo = _classes["PluginInfo"]
LogRequest = _classes["LogRequest"]

WARNING = _descriptor.enum_types_by_name["LogSeverity"].values_by_name["WARNING"].number
