"""The plugin's own declaration of the engine's messages (`provider/plugin/protocol.py`)
against the installed SDK's: every field the plugin declares has upstream's number,
type, cardinality and message or enum type, and every enum its values. A change
upstream fails here, not in a user's `pulumi up`."""

from __future__ import annotations

import pytest
from google.protobuf.struct_pb2 import Struct
from pulumi.runtime.proto import engine_pb2, plugin_pb2, provider_pb2

from provider.errors import InputError
from provider.plugin import protocol, wire

UPSTREAM = {
    "PluginInfo": plugin_pb2.PluginInfo,
    "LogRequest": engine_pb2.LogRequest,
}


def _upstream(name: str):
    return UPSTREAM.get(name) or getattr(provider_pb2, name)


def _type_name(descriptor) -> str | None:
    """A field's message or enum type, relative to its file's package."""
    typed = descriptor.message_type or descriptor.enum_type
    if typed is None:
        return None
    package = typed.file.package
    return (
        typed.full_name.removeprefix(f"{package}.")
        if package != "google.protobuf"
        else (typed.full_name)
    )


def _shape(field) -> tuple:
    entry = field.message_type
    value = None
    if entry is not None and entry.GetOptions().map_entry:
        value = _shape(entry.fields_by_name["value"])
    return (field.number, field.type, field.is_repeated, _type_name(field), value)


@pytest.mark.parametrize("name", sorted(protocol.MESSAGES))
def test_every_declared_field_is_upstreams(name):
    ours = getattr(protocol, name).DESCRIPTOR
    theirs = _upstream(name).DESCRIPTOR
    assert ours.fields, name
    for field in ours.fields:
        assert field.name in theirs.fields_by_name, f"{name}.{field.name} is not upstream's"
        assert _shape(field) == _shape(theirs.fields_by_name[field.name]), f"{name}.{field.name}"


@pytest.mark.parametrize("name", sorted(protocol.ENUMS))
def test_every_enum_has_upstreams_values(name):
    owner, _, enum = name.rpartition(".")
    if owner:
        ours = getattr(protocol, owner).DESCRIPTOR.enum_types_by_name[enum]
        theirs = _upstream(owner).DESCRIPTOR.enum_types_by_name[enum]
    else:
        ours = protocol.LogRequest.DESCRIPTOR.fields_by_name["severity"].enum_type
        theirs = engine_pb2.DESCRIPTOR.enum_types_by_name[enum]
    assert [(v.name, v.number) for v in ours.values] == [(v.name, v.number) for v in theirs.values]


def test_a_message_reads_as_upstreams_both_ways():
    """The bytes the engine sends parse in our messages and ours in the engine's, fields
    the plugin does not declare kept as they came."""
    news = wire.to_wire({"name": "Books", "oauth": {"realm_id": "1"}}, secrets=("oauth",))
    sent = provider_pb2.UpdateRequest(
        id="7", urn="urn:x", news=news, timeout=60.5, ignoreChanges=["tags"], name="books"
    )
    ours = protocol.UpdateRequest.FromString(sent.SerializeToString())
    assert (ours.id, ours.urn, ours.timeout, list(ours.ignoreChanges)) == (
        "7",
        "urn:x",
        60.5,
        ["tags"],
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

    from provider.core.check import UNKNOWN

    sdk = PropertyValue.marshal_map(
        {
            "oauth": PropertyValue({"realmId": PropertyValue("1")}, is_secret=True),
            "callbackUrl": PropertyValue(UNKNOWN),
            "tags": PropertyValue([PropertyValue("a"), PropertyValue("b", is_secret=True)]),
            "pollIntervalMinutes": PropertyValue(5.0),
            "note": PropertyValue.null(),
        }
    )
    plain = wire.to_plain(sdk)
    assert plain == {
        "oauth": {"realm_id": "1"},
        "callback_url": UNKNOWN,
        "tags": ["a", "b"],
        "poll_interval_minutes": 5.0,
        "note": None,
    }
    ours = wire.to_wire({**plain, "tags": ["a", "b"]}, secrets=("oauth",))
    back = PropertyValue.unmarshal_map(ours)
    assert back["oauth"].is_secret and not back["tags"].is_secret
    assert back["oauth"].value["realmId"] == PropertyValue("1")
    assert back["pollIntervalMinutes"] == PropertyValue(5.0)
    assert back["note"] == PropertyValue.null()
    assert isinstance(Struct(), type(ours))


def test_an_asset_is_refused_by_name():
    from pulumi import StringAsset
    from pulumi.provider.experimental.property_value import PropertyValue

    sdk = PropertyValue.marshal_map({"name": PropertyValue(StringAsset("x"))})
    with pytest.raises(InputError, match="name: an asset is no value"):
        wire.to_plain(sdk)


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
