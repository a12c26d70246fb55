"""The plugin's own declaration of the engine's messages (`provider/plugin/protocol.py`)
and its wire codec (`codec.py`) against the installed SDK's: every field the plugin
declares has upstream's number, type, cardinality and message or enum type, every
enum its values; and every declared message, each field set, reads the SDK's bytes
to the same values and writes bytes the SDK reads to the same message. A change
upstream, or a wrong byte, fails here, not in a user's `pulumi up`."""

from __future__ import annotations

import struct

import pytest
from google.protobuf import struct_pb2
from google.protobuf.descriptor import FieldDescriptor
from pulumi.runtime.proto import engine_pb2, plugin_pb2, provider_pb2

from provider.core.check import UNKNOWN
from provider.errors import InputError
from provider.plugin import codec, protocol, wire

UPSTREAM = {
    "PluginInfo": plugin_pb2.PluginInfo,
    "LogRequest": engine_pb2.LogRequest,
}
SCALARS = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_DOUBLE: "double",
    FieldDescriptor.TYPE_INT32: "int32",
}


def _upstream(name: str):
    return UPSTREAM.get(name) or getattr(provider_pb2, name)


def _declared(field: codec.Field) -> tuple:
    """A declared field as (number, label, type) in the table's words."""
    kind = field.type.__name__ if isinstance(field.type, type) else field.type
    return (field.number, field.label, kind)


def _upstreams(field) -> tuple:
    """An upstream field in the same words."""
    number, label = field.number, "repeated" if field.is_repeated else ""
    entry = field.message_type
    if entry is not None and entry.GetOptions().map_entry:
        label, field = "map", entry.fields_by_name["value"]
    if field.type in SCALARS:
        return (number, label, SCALARS[field.type])
    typed = field.message_type or field.enum_type
    name = typed.full_name
    if typed.file.package != "google.protobuf":
        name = name.removeprefix(f"{typed.file.package}.")
    return (number, label, f"enum {name}" if field.enum_type else name)


@pytest.mark.parametrize("name", sorted(protocol.MESSAGES))
def test_every_declared_field_is_upstreams(name):
    ours = getattr(protocol, name).FIELDS
    theirs = _upstream(name).DESCRIPTOR.fields_by_name
    assert ours, name
    for field in ours:
        assert field.name in theirs, f"{name}.{field.name} is not upstream's"
        assert _declared(field) == _upstreams(theirs[field.name]), f"{name}.{field.name}"


@pytest.mark.parametrize("name", sorted(protocol.ENUMS))
def test_every_enum_has_upstreams_values(name):
    owner, _, enum = name.rpartition(".")
    if owner:
        theirs = _upstream(owner).DESCRIPTOR.enum_types_by_name[enum]
        ours = getattr(protocol, owner)
    else:
        theirs = engine_pb2.DESCRIPTOR.enum_types_by_name[enum]
        ours = protocol
    values = [(v.name, v.number) for v in theirs.values]
    assert [(v, n) for n, v in enumerate(protocol.ENUMS[name])] == values
    assert [(v, getattr(ours, v)) for v in protocol.ENUMS[name] if hasattr(ours, v)] == (
        values if owner else [("WARNING", engine_pb2.WARNING)]
    )


# --- the codec against the SDK's messages -----------------------------------------------

# A property map with every kind of value: nested maps, a secret, the unknown marker,
# lists (empty, of maps), null, numbers (negative, fractional, large), empty strings
# and keys, non-ASCII text, and a string long enough for a length of two varint bytes.
PROPERTIES = {
    "name": "Bücher & Co",
    "empty": "",
    "": "an empty key",
    "long": "x" * 300,
    "callbackUrl": UNKNOWN,
    "note": None,
    "enabled": True,
    "disabled": False,
    "count": 5.0,
    "zero": 0.0,
    "negative": -1.5,
    "big": 1e300,
    "oauth": {wire.SIG: wire.SECRET, "value": {"realmId": "1", "code": "c"}},
    "tags": ["env:a", "", {"deep": [None, 2.0, [True]]}],
    "none": [],
    "extraConfiguration": {"a.b_c": "1", "nested": {}},
}


def _sdk_struct(plain: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(plain)
    return struct


def _value(field: codec.Field):
    """A value of `field`'s type, none its default."""
    kind = field.type
    if isinstance(kind, type):
        return kind(**{f.name: _field_value(f) for f in kind.FIELDS})
    if kind.startswith("enum "):
        return len(protocol.ENUMS[kind.removeprefix("enum ")]) - 1
    return {
        "string": "ünïcode",
        "bool": True,
        "int32": -7,  # ten bytes on the wire
        "double": 60.5,
        codec.STRUCT: PROPERTIES,
    }[kind]


def _field_value(field: codec.Field):
    if field.label == "repeated":
        return [_value(field), _value(field)]
    if field.label == "map":
        return {"a": _value(field), "": _value(field)}
    return _value(field)


def _sdk(message: codec.Message):
    """`message` as the SDK's message of the same name."""

    def value(field: codec.Field, v):
        if isinstance(field.type, type):
            return _sdk(v)
        return _sdk_struct(v) if field.type == codec.STRUCT else v

    values = {}
    for f in message.FIELDS:
        v = getattr(message, f.name)
        if f.label == "repeated":
            values[f.name] = [value(f, e) for e in v]
        elif f.label == "map":
            values[f.name] = {k: value(f, e) for k, e in v.items()}
        elif v is not None:
            values[f.name] = value(f, v)
    return _upstream(type(message).__name__)(**values)


def _every_field_set(name: str) -> codec.Message:
    cls = getattr(protocol, name)
    return cls(**{f.name: _field_value(f) for f in cls.FIELDS})


@pytest.mark.parametrize("name", sorted(protocol.MESSAGES))
def test_every_message_reads_and_writes_the_sdks_bytes(name):
    ours = _every_field_set(name)
    theirs = _sdk(ours)
    for f in ours.FIELDS:  # each field set, or a wrong number or type could pass unseen
        assert getattr(ours, f.name) != f.default(), f"{name}.{f.name}"
        assert theirs.HasField(f.name) if f.label == "" and f.kind.default is None else True
    assert type(theirs).FromString(ours.SerializeToString()) == theirs
    assert type(ours).FromString(theirs.SerializeToString()) == ours


@pytest.mark.parametrize("name", sorted(protocol.MESSAGES))
def test_an_empty_message_reads_and_writes_as_the_sdks(name):
    """Every field at its default: nothing on the wire, and read back as the defaults
    (an unset map of properties None, a repeated field or map empty)."""
    ours = getattr(protocol, name)()
    assert ours.SerializeToString() == _upstream(name)().SerializeToString() == b""
    assert type(ours).FromString(b"") == ours
    for f in ours.FIELDS:
        assert getattr(ours, f.name) == f.default()


def test_an_empty_map_of_properties_is_not_an_unset_one():
    """The engine tells them apart: a Read answered without properties is a resource
    gone, with empty ones a resource with none."""
    empty = protocol.ReadResponse(id="7", properties={})
    theirs = provider_pb2.ReadResponse.FromString(empty.SerializeToString())
    assert theirs.HasField("properties") and not theirs.HasField("inputs")
    back = protocol.ReadResponse.FromString(theirs.SerializeToString())
    assert (back.properties, back.inputs) == ({}, None)


def test_fields_the_plugin_does_not_declare_are_skipped():
    """What the engine sends beyond the declared fields (and any wire type a newer
    engine may add) is read past, the declared ones kept."""
    news = _sdk_struct(PROPERTIES)
    check = provider_pb2.CheckRequest(
        urn="urn:x",
        news=news,
        randomSeed=b"\x00\xff" * 16,
        name="books",
        type="quickbooks:index:Instance",
        autonaming=provider_pb2.CheckRequest.AutonamingOptions(proposed_name="b-1"),
        old_outputs=news,
    )
    read = protocol.CheckRequest.FromString(check.SerializeToString())
    assert read == protocol.CheckRequest(urn="urn:x", news=PROPERTIES)
    diff = provider_pb2.DiffRequest(id="7", olds=news, news=news, old_inputs=news, name="books")
    read = protocol.DiffRequest.FromString(diff.SerializeToString())
    assert read == protocol.DiffRequest(id="7", olds=PROPERTIES, news=PROPERTIES)

    unknown = (
        codec.varint(100 << 3 | codec.VARINT) + codec.varint(-1)
        + codec.varint(101 << 3 | codec.I64) + struct.pack("<d", 1.0)
        + codec.varint(102 << 3 | codec.I32) + struct.pack("<f", 1.0)
        + codec.varint(103 << 3 | codec.SGROUP) + codec.varint(1 << 3) + b"\x01"
        + codec.varint(103 << 3 | codec.EGROUP)
        + codec.length_delimited(104, b"anything")
        + codec.varint(2 << 3 | codec.VARINT) + b"\x01"  # urn's number, not its wire type
    )  # fmt: skip
    read = protocol.CheckRequest.FromString(unknown + check.SerializeToString() + unknown)
    assert read == protocol.CheckRequest(urn="urn:x", news=PROPERTIES)


def test_a_cut_message_is_refused():
    whole = _every_field_set("UpdateRequest").SerializeToString()
    for end in (1, len(whole) // 2, len(whole) - 1):
        with pytest.raises(ValueError, match="malformed UpdateRequest"):
            protocol.UpdateRequest.FromString(whole[:end])


def test_a_value_with_no_kind_reads_as_null():
    """An unset Value (what the SDK writes for none of its kinds) is null, as before."""
    struct = struct_pb2.Struct()
    struct.fields["unset"].Clear()
    struct.fields["null"].null_value = struct_pb2.NULL_VALUE
    read = _ours(struct)
    assert read == {"unset": None, "null": None}


def _ours(struct: struct_pb2.Struct) -> dict:
    """The SDK's property map as the plugin reads it off the wire."""
    return protocol.CheckRequest.FromString(
        provider_pb2.CheckRequest(news=struct).SerializeToString()
    ).news


def _theirs(plain: dict) -> struct_pb2.Struct:
    """The plugin's property map as the SDK reads it off the wire."""
    return provider_pb2.CheckRequest.FromString(
        protocol.CheckRequest(news=plain).SerializeToString()
    ).news


def test_a_message_reads_as_upstreams_both_ways():
    """The bytes the engine sends parse in our messages and ours in the engine's."""
    news = wire.to_wire({"name": "Books", "oauth": {"realm_id": "1"}}, secrets=("oauth",))
    sent = provider_pb2.UpdateRequest(
        id="7",
        urn="urn:x",
        news=_sdk_struct(news),
        timeout=60.5,
        ignoreChanges=["tags"],
        preview=True,
    )
    ours = protocol.UpdateRequest.FromString(sent.SerializeToString())
    assert (ours.id, ours.urn, ours.timeout, ours.ignoreChanges, ours.preview) == (
        "7",
        "urn:x",
        60.5,
        ["tags"],
        True,
    )
    assert wire.to_plain(ours.news) == {"name": "Books", "oauth": {"realm_id": "1"}}
    assert provider_pb2.UpdateRequest.FromString(ours.SerializeToString()) == sent

    answer = protocol.DiffResponse(
        changes=protocol.DiffResponse.DIFF_SOME,
        replaces=["oauth"],
        detailedDiff={
            "oauth.realmId": protocol.PropertyDiff(kind=protocol.PropertyDiff.UPDATE_REPLACE)
        },
        hasDetailedDiff=True,
    )
    read = provider_pb2.DiffResponse.FromString(answer.SerializeToString())
    assert read.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert read.detailedDiff["oauth.realmId"].kind == provider_pb2.PropertyDiff.UPDATE_REPLACE


def test_secrets_and_unknowns_read_as_the_sdk_writes_them():
    from pulumi.provider.experimental.property_value import PropertyValue

    sdk = PropertyValue.marshal_map(
        {
            "oauth": PropertyValue({"realmId": PropertyValue("1")}, is_secret=True),
            "callbackUrl": PropertyValue(UNKNOWN),
            "tags": PropertyValue([PropertyValue("a"), PropertyValue("b", is_secret=True)]),
            "pollIntervalMinutes": PropertyValue(5.0),
            "note": PropertyValue.null(),
        }
    )
    read = _ours(sdk)
    assert wire.is_secret(read["oauth"]) and not wire.is_secret(read["tags"])
    plain = wire.to_plain(read)
    assert plain == {
        "oauth": {"realm_id": "1"},
        "callback_url": UNKNOWN,
        "tags": ["a", "b"],
        "poll_interval_minutes": 5.0,
        "note": None,
    }
    ours = wire.to_wire({**plain, "poll_interval_minutes": 5}, secrets=("oauth",))
    theirs = _theirs(ours)
    assert theirs.fields["callbackUrl"].string_value == UNKNOWN
    back = PropertyValue.unmarshal_map(theirs)
    assert back["oauth"].is_secret and not back["tags"].is_secret
    assert back["oauth"].value["realmId"] == PropertyValue("1")
    assert back["pollIntervalMinutes"] == PropertyValue(5.0)
    assert back["note"] == PropertyValue.null()


def test_an_asset_is_refused_by_name():
    from pulumi import StringAsset
    from pulumi.provider.experimental.property_value import PropertyValue

    sdk = PropertyValue.marshal_map({"name": PropertyValue(StringAsset("x"))})
    with pytest.raises(InputError, match="name: an asset is no value"):
        wire.to_plain(_ours(sdk))


def test_a_warning_reaches_the_engines_log_service():
    """`Diagnostics` calls the engine's `Log` over gRPC, as the SDK's stub would: the
    engine's service reads the request and its empty answer is read back."""
    from concurrent import futures

    import grpc
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import engine_pb2_grpc

    from provider.plugin.diagnostics import CURRENT_URN, Diagnostics

    logs = []

    class Engine(engine_pb2_grpc.EngineServicer):
        def Log(self, request, context):  # noqa: N802 (the gRPC method's name)
            logs.append(request)
            return empty_pb2.Empty()

    server = grpc.server(futures.ThreadPoolExecutor(1))
    engine_pb2_grpc.add_EngineServicer_to_server(Engine(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        CURRENT_URN.set("urn:pulumi:dev::shop::quickbooks:index:Instance::books")
        Diagnostics(f"127.0.0.1:{port}").warn("set adopt_id too")
    finally:
        server.stop(None)
    [log] = logs
    assert (log.severity, log.message) == (engine_pb2.WARNING, "set adoptId too")
    assert log.urn.endswith("::books")


def test_the_served_methods_answer_the_sdks_client():
    """The plugin's handlers on a gRPC server, called with the SDK's own stub and
    messages: what the engine reads of each answer, and an unserved method refused as
    unimplemented (the engine's "not supported")."""
    import asyncio

    import grpc
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import provider_pb2_grpc

    from provider.plugin.server import handlers
    from provider.plugin.version import version

    settings = wire.to_wire({"baseUrl": "http://127.0.0.1:9/x", "userSecret": "u"})

    async def served():
        server = grpc.aio.server()
        server.add_generic_rpc_handlers((handlers(""),))
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = provider_pb2_grpc.ResourceProviderStub(channel)
                info = await stub.GetPluginInfo(empty_pb2.Empty())
                same = await stub.DiffConfig(provider_pb2.DiffRequest(olds=settings, news=settings))
                configured = await stub.Configure(provider_pb2.ConfigureRequest(args=settings))
                cancelled = await stub.Cancel(empty_pb2.Empty())
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    await stub.Construct(provider_pb2.ConstructRequest())
        finally:
            await server.stop(None)
        return info, same, configured, cancelled, refused.value.code()

    info, same, configured, cancelled, refused = asyncio.run(served())
    assert info.version == version()
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE and same.hasDetailedDiff
    assert (configured.acceptSecrets, configured.supportsPreview) == (True, False)
    assert (configured.acceptResources, configured.acceptOutputs) == (False, False)
    assert cancelled == empty_pb2.Empty()
    assert refused == grpc.StatusCode.UNIMPLEMENTED
