"""The protobuf wire format's pieces the plugin's messages are made of, and a
`google.protobuf.Struct` as the plain value it carries.

gRPC hands the plugin each request as bytes and sends the bytes it is given back:
protobuf itself is only needed to turn those into messages. The `google.protobuf`
package costs ~15 ms of CPU of every plugin start (its descriptor pool imports
the text format, the well-known types, the pure-Python messages...), a tenth or more
of the plugin's load; the plugin's own codec (this and `message_class.py`), its
messages built, ~2 ms (`python -X importtime`).

A `google.protobuf.Struct` reads as the JSON-like value it carries: a dict of
str -> None | bool | float | str | list | dict, and is written from one (an int
is a number too). Which is which on the wire (`struct.proto`): Struct is
`map<string, Value> fields = 1`; Value is a oneof of null_value = 1 (an enum),
number_value = 2 (a double), string_value = 3, bool_value = 4, struct_value = 5,
list_value = 6; ListValue is `repeated Value values = 1`.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

STRUCT = "google.protobuf.Struct"

# Wire types.
VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5

DOUBLE = struct.Struct("<d")


# --- writing ------------------------------------------------------------------------

# Lengths and tags are almost always one byte: those are looked up, not computed.
_BYTE = [bytes((n,)) for n in range(0x80)]


def varint(value: int) -> bytes:
    """`value` as a varint; a negative one as its 64-bit two's complement (10 bytes)."""
    if 0 <= value < 0x80:
        return _BYTE[value]
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def with_length(data: bytes) -> bytes:
    """`data` after its length: a string's or a message's value on the wire."""
    return varint(len(data)) + data


def length_delimited(number: int, data: bytes) -> bytes:
    """Field `number` holding `data` (a string's bytes, a message)."""
    return varint(number << 3 | LEN) + with_length(data)


def _value_bytes(value: Any) -> bytes:
    """A `google.protobuf.Value`'s fields."""
    if value is None:
        return b"\x08\x00"  # null_value: NULL_VALUE (0)
    if value is True:
        return b"\x20\x01"
    if value is False:
        return b"\x20\x00"
    if isinstance(value, str):
        text = value.encode()
        return b"\x1a" + varint(len(text)) + text
    if isinstance(value, int | float):
        return b"\x11" + DOUBLE.pack(value)
    if isinstance(value, Mapping):
        fields = struct_bytes(value)
        return b"\x2a" + varint(len(fields)) + fields
    if isinstance(value, list | tuple):
        values = [_value_bytes(v) for v in value]
        items = b"".join(b"\x0a" + varint(len(v)) + v for v in values)
        return b"\x32" + varint(len(items)) + items
    raise TypeError(f"a {type(value).__name__} is no value of a google.protobuf.Struct")


def struct_bytes(fields: Mapping[str, Any]) -> bytes:
    """A `google.protobuf.Struct` holding `fields`: an entry (key = 1, value = 2) each."""
    entries = []
    for key, value in fields.items():
        name, held = key.encode(), _value_bytes(value)
        entry = b"\x0a" + varint(len(name)) + name + b"\x12" + varint(len(held)) + held
        entries.append(b"\x0a" + varint(len(entry)) + entry)
    return b"".join(entries)


# --- reading ------------------------------------------------------------------------


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """The varint at `pos`, and the position after it."""
    byte = data[pos]
    if byte < 0x80:
        return byte, pos + 1
    result, shift = byte & 0x7F, 7
    while True:
        pos += 1
        byte = data[pos]
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos + 1
        shift += 7


def skip(data: bytes, pos: int, tag: int) -> int:
    """The position after the value of an undeclared field."""
    wire_type = tag & 7
    if wire_type == VARINT:
        return read_varint(data, pos)[1]
    if wire_type == I64:
        return pos + 8
    if wire_type == LEN:
        length, pos = read_varint(data, pos)
        return pos + length
    if wire_type == I32:
        return pos + 4
    if wire_type == SGROUP:  # a proto2 group: fields up to its end tag
        while True:
            inner, pos = read_varint(data, pos)
            if inner == (tag >> 3) << 3 | EGROUP:
                return pos
            pos = skip(data, pos, inner)
    raise ValueError(f"malformed message: wire type {wire_type} of field {tag >> 3}")


# A Struct's fields read one after another: a tag, then the length of a string or a
# message. The tags the codec reads are one byte, and so are most lengths, so each
# reads its first byte itself and calls `read_varint` only past 0x7F.


def _read_value(data: bytes, pos: int, end: int) -> Any:
    """The `google.protobuf.Value` at data[pos:end] (none of its kinds set: null)."""
    value = None
    while pos < end:
        tag = data[pos]
        pos += 1
        if tag == 0x1A or tag == 0x2A or tag == 0x32:  # string, struct, list
            length = data[pos]
            pos += 1
            if length >= 0x80:
                length, pos = read_varint(data, pos - 1)
            after = pos + length
            if tag == 0x1A:
                value = data[pos:after].decode()
            elif tag == 0x2A:
                value = read_struct(data, pos, after)
            else:
                value = _read_list(data, pos, after)
            pos = after
        elif tag == 0x11:  # number
            (value,) = DOUBLE.unpack_from(data, pos)
            pos += 8
        elif tag == 0x20:  # bool
            flag, pos = read_varint(data, pos)
            value = flag != 0
        elif tag == 0x08:  # null
            pos = read_varint(data, pos)[1]
            value = None
        else:
            tag, pos = read_varint(data, pos - 1)
            pos = skip(data, pos, tag)
    return value


def _read_list(data: bytes, pos: int, end: int) -> list[Any]:
    """The `google.protobuf.ListValue` at data[pos:end]."""
    values = []
    while pos < end:
        tag, pos = read_varint(data, pos)
        if tag != 0x0A:
            pos = skip(data, pos, tag)
            continue
        length, pos = read_varint(data, pos)
        values.append(_read_value(data, pos, pos + length))
        pos += length
    return values


def read_struct(data: bytes, pos: int, end: int) -> dict[str, Any]:
    """The `google.protobuf.Struct` at data[pos:end] as a dict."""
    fields: dict[str, Any] = {}
    while pos < end:
        if data[pos] != 0x0A:
            tag, pos = read_varint(data, pos)
            pos = skip(data, pos, tag)
            continue
        length = data[pos + 1]
        pos += 2
        if length >= 0x80:
            length, pos = read_varint(data, pos - 1)
        entry_end, key, value = pos + length, "", None
        while pos < entry_end:
            tag = data[pos]
            if tag == 0x0A or tag == 0x12:
                length = data[pos + 1]
                pos += 2
                if length >= 0x80:
                    length, pos = read_varint(data, pos - 1)
                if tag == 0x0A:
                    key = data[pos : pos + length].decode()
                else:
                    value = _read_value(data, pos, pos + length)
                pos += length
            else:
                tag, pos = read_varint(data, pos)
                pos = skip(data, pos, tag)
        fields[key] = value
    return fields
