"""The plugin's wire codec (`provider/plugin/message_class.py`, `codec.py`) byte for
byte against the installed SDK's messages: every declared message, each field set,
reads the SDK's bytes to the same values and writes bytes the SDK reads to the same
message; what the plugin does not declare is read past; a property map keeps every
kind of value. A wrong byte fails here, not in a user's `pulumi up`."""

from __future__ import annotations

import struct

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2

from provider.core.check import UNKNOWN
from provider.plugin import codec, protocol, wire
from provider.plugin.message_class import Field, Message

from . import sdk_messages as sdk

# A property map with every kind of value: nested maps, a secret, the unknown marker,
# lists (empty, of maps), null, numbers (negative, fractional, large), empty strings
# and keys, non-ASCII text, and strings whose lengths take one or two varint bytes.
PROPERTIES = {
    "name": "Bücher & Co",
    "empty": "",
    "": "an empty key",
    "long": "x" * 300,
    "k" * 128: "y" * 126,  # lengths at the edge of one varint byte: key 128, value 128
    "edge": "z" * 127,  # string 127, value 129
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


def _value(field: Field):
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


def _field_value(field: Field):
    if field.label == "repeated":
        return [_value(field), _value(field)]
    if field.label == "map":
        return {"a": _value(field), "": _value(field)}
    return _value(field)


def _sdk(message: Message):
    """`message` as the SDK's message of the same name."""

    def value(field: Field, v):
        if isinstance(field.type, type):
            return _sdk(v)
        return sdk.sdk_struct(v) if field.type == codec.STRUCT else v

    values = {}
    for f in message.FIELDS:
        v = getattr(message, f.name)
        if f.label == "repeated":
            values[f.name] = [value(f, e) for e in v]
        elif f.label == "map":
            values[f.name] = {k: value(f, e) for k, e in v.items()}
        elif v is not None:
            values[f.name] = value(f, v)
    return sdk.upstream(type(message).__name__)(**values)


def _every_field_set(name: str) -> Message:
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
    assert ours.SerializeToString() == sdk.upstream(name)().SerializeToString() == b""
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
    news = sdk.sdk_struct(PROPERTIES)
    check = provider_pb2.CheckRequest(
        urn="urn:x",
        olds=news,
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


def test_a_map_entry_without_its_value_holds_the_default():
    """What protobuf reads of an entry with a key alone: an empty message, an empty
    string."""
    entry = codec.length_delimited(1, b"k")
    diff = codec.length_delimited(6, entry)  # DiffResponse.detailedDiff
    assert provider_pb2.DiffResponse.FromString(diff).detailedDiff["k"].kind == 0
    assert protocol.DiffResponse.FromString(diff).detailedDiff == {"k": protocol.PropertyDiff()}
    variables = codec.length_delimited(1, entry)  # ConfigureRequest.variables
    assert provider_pb2.ConfigureRequest.FromString(variables).variables == {"k": ""}
    assert protocol.ConfigureRequest.FromString(variables).variables == {"k": ""}


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
    read = sdk.ours(struct)
    assert read == {"unset": None, "null": None}
