"""The engine's messages the plugin serves, declared here rather than taken from the SDK.

The SDK's generated messages (`pulumi.runtime.proto`) load the whole `pulumi` package
on their first import, ~0.15 s of CPU of every command that starts the plugin; and
any message built with `google.protobuf` loads its descriptor pool and what that
imports, ~15 ms more. The plugin needs a few messages of the `pulumirpc` protocol
(the `ResourceProvider` methods it answers, and the engine's `Log`), and of each
only the fields it reads or writes: those are declared below, each with upstream's
number and type, and made into message classes of the plugin's own wire codec
(`message_class.py`, `codec.py`) at import. A field the plugin does not declare is
skipped when a request is read; the plugin never sends a request back.

A property map (`google.protobuf.Struct`) is read as the plain JSON-like dict it
carries and written from one (`wire.py` renames its keys and marks its secrets); a
message field left unset is None, which the engine tells from an empty map (a
`ReadResponse` without properties: the resource is gone). An enum's values are
constants of the message that declares it (`DiffResponse.DIFF_SOME`), or of this
module for a top-level one (`WARNING`).

The gRPC method paths stay the engine's (`server.py`). `tests/unit/test_protocol.py`
compares every field declared here with the installed SDK's descriptors, and reads
and writes each message against the SDK's, so a change upstream or a wrong byte
fails there.
"""

from __future__ import annotations

from typing import Any

from .codec import STRUCT
from .message_class import Field, Message, message

# Each message: its fields as (name, number, type), in number order. A type is a
# scalar's name, a message's (one declared above it, or the Struct of every property
# map), `enum <Name>`, `repeated <type>` or `map <value type>` (string keys).
MESSAGES: dict[str, tuple[tuple[str, int, str], ...]] = {
    # Not `olds` (2): neither Check nor CheckConfig reads them, so they are skipped unread.
    "CheckRequest": (("urn", 1, "string"), ("news", 3, STRUCT)),
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


def _field(name: str, number: int, declared: str, classes: dict[str, type[Message]]) -> Field:
    label, kind = "", declared
    if declared.startswith(("repeated ", "map ")):
        label, _, kind = declared.partition(" ")
    return Field(name, number, classes.get(kind, kind), label)


def _classes() -> dict[str, type[Message]]:
    classes: dict[str, type[Message]] = {}
    for name, fields in MESSAGES.items():
        constants = {
            value: number
            for enum, values in ENUMS.items()
            if enum.rpartition(".")[0] == name
            for number, value in enumerate(values)
        }
        declared = tuple(_field(*field, classes) for field in fields)
        classes[name] = message(name, declared, **constants)
    return classes


_built: dict[str, Any] = _classes()
CheckRequest = _built["CheckRequest"]
CheckFailure = _built["CheckFailure"]
CheckResponse = _built["CheckResponse"]
DiffRequest = _built["DiffRequest"]
PropertyDiff = _built["PropertyDiff"]
DiffResponse = _built["DiffResponse"]
ConfigureRequest = _built["ConfigureRequest"]
ConfigureResponse = _built["ConfigureResponse"]
CreateRequest = _built["CreateRequest"]
CreateResponse = _built["CreateResponse"]
ReadRequest = _built["ReadRequest"]
ReadResponse = _built["ReadResponse"]
UpdateRequest = _built["UpdateRequest"]
UpdateResponse = _built["UpdateResponse"]
DeleteRequest = _built["DeleteRequest"]
InvokeRequest = _built["InvokeRequest"]
InvokeResponse = _built["InvokeResponse"]
GetSchemaRequest = _built["GetSchemaRequest"]
GetSchemaResponse = _built["GetSchemaResponse"]
PluginInfo = _built["PluginInfo"]
LogRequest = _built["LogRequest"]

WARNING = ENUMS["LogSeverity"].index("WARNING")
