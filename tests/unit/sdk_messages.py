"""The installed SDK's messages beside the plugin's own, for the tests that compare
them (`test_protocol.py`, `test_codec.py`): each declared message's upstream class,
and a property map carried across, as the engine and the plugin exchange it."""

from __future__ import annotations

from google.protobuf import struct_pb2
from pulumi.runtime.proto import engine_pb2, plugin_pb2, provider_pb2

from provider.plugin import protocol

UPSTREAM = {
    "PluginInfo": plugin_pb2.PluginInfo,
    "LogRequest": engine_pb2.LogRequest,
}


def upstream(name: str):
    """The SDK's message class of the declared message `name`."""
    return UPSTREAM.get(name) or getattr(provider_pb2, name)


def sdk_struct(plain: dict) -> struct_pb2.Struct:
    """`plain` as the SDK's property map."""
    struct = struct_pb2.Struct()
    struct.update(plain)
    return struct


def ours(struct: struct_pb2.Struct) -> dict:
    """The SDK's property map as the plugin reads it off the wire."""
    sent = provider_pb2.CheckRequest(news=struct).SerializeToString()
    return protocol.CheckRequest.FromString(sent).news


def theirs(plain: dict) -> struct_pb2.Struct:
    """The plugin's property map as the SDK reads it off the wire."""
    sent = protocol.CheckRequest(news=plain).SerializeToString()
    return provider_pb2.CheckRequest.FromString(sent).news
