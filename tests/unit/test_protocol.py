"""The plugin's own declaration of the engine's messages (`provider/plugin/protocol.py`)
against the installed SDK's: every field the plugin declares has upstream's number,
type, cardinality and message or enum type, and every enum its values; a property
map reads and writes secrets and unknowns as the SDK does; the served methods answer
the SDK's own client. A change upstream fails here, not in a user's `pulumi up`.
(`test_codec.py`: the same messages byte for byte.)"""

from __future__ import annotations

import pytest
from google.protobuf.descriptor import FieldDescriptor
from pulumi.runtime.proto import engine_pb2, provider_pb2

from provider.core.check import UNKNOWN
from provider.errors import InputError
from provider.plugin import protocol, wire
from provider.plugin.message_class import Field

from . import sdk_messages as sdk

SCALARS = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_DOUBLE: "double",
    FieldDescriptor.TYPE_INT32: "int32",
}


def _declared(field: Field) -> tuple:
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
    theirs = sdk.upstream(name).DESCRIPTOR.fields_by_name
    assert ours, name
    for field in ours:
        assert field.name in theirs, f"{name}.{field.name} is not upstream's"
        assert _declared(field) == _upstreams(theirs[field.name]), f"{name}.{field.name}"


@pytest.mark.parametrize("name", sorted(protocol.ENUMS))
def test_every_enum_has_upstreams_values(name):
    owner, _, enum = name.rpartition(".")
    if owner:
        theirs = sdk.upstream(owner).DESCRIPTOR.enum_types_by_name[enum]
        ours = getattr(protocol, owner)
    else:
        theirs = engine_pb2.DESCRIPTOR.enum_types_by_name[enum]
        ours = protocol
    values = [(v.name, v.number) for v in theirs.values]
    assert [(v, n) for n, v in enumerate(protocol.ENUMS[name])] == values
    assert [(v, getattr(ours, v)) for v in protocol.ENUMS[name] if hasattr(ours, v)] == (
        values if owner else [("WARNING", engine_pb2.WARNING)]
    )


def test_a_message_reads_as_upstreams_both_ways():
    """The bytes the engine sends parse in our messages and ours in the engine's."""
    news = wire.to_wire({"name": "Books", "oauth": {"realm_id": "1"}}, secrets=("oauth",))
    sent = provider_pb2.UpdateRequest(
        id="7",
        urn="urn:x",
        news=sdk.sdk_struct(news),
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

    marshalled = PropertyValue.marshal_map(
        {
            "oauth": PropertyValue({"realmId": PropertyValue("1")}, is_secret=True),
            "callbackUrl": PropertyValue(UNKNOWN),
            "tags": PropertyValue([PropertyValue("a"), PropertyValue("b", is_secret=True)]),
            "pollIntervalMinutes": PropertyValue(5.0),
            "note": PropertyValue.null(),
        }
    )
    read = sdk.ours(marshalled)
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
    theirs = sdk.theirs(ours)
    assert theirs.fields["callbackUrl"].string_value == UNKNOWN
    back = PropertyValue.unmarshal_map(theirs)
    assert back["oauth"].is_secret and not back["tags"].is_secret
    assert back["oauth"].value["realmId"] == PropertyValue("1")
    assert back["pollIntervalMinutes"] == PropertyValue(5.0)
    assert back["note"] == PropertyValue.null()


def test_an_asset_is_refused_by_name():
    from pulumi import StringAsset
    from pulumi.provider.experimental.property_value import PropertyValue

    marshalled = PropertyValue.marshal_map({"name": PropertyValue(StringAsset("x"))})
    with pytest.raises(InputError, match="name: an asset is no value"):
        wire.to_plain(sdk.ours(marshalled))


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
