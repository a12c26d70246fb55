"""The protobuf wire format, as much of it as the plugin's messages use (`protocol.py`).

gRPC hands the plugin each request as bytes and sends the bytes it is given back:
protobuf itself is only needed to turn those into messages. The `google.protobuf`
package costs ~20 ms of CPU of every plugin start (its descriptor pool imports the
text format, the well-known types, the pure-Python messages...), about a fifth of
the plugin's load; this codec costs ~1 ms.

A message class is made from its fields' declarations (`message`): keyword
construction, proto3's defaults ("", False, 0, 0.0; [] for a repeated field, {} for
a map, None for an unset message), `SerializeToString` and `FromString` (the names
gRPC and the SDK use). Field kinds: `string`, `bool`, `int32`, `double`, an enum
(an int), a message class, `STRUCT`, each optionally `repeated`, or a map of string
keys. A field the plugin does not declare is skipped when read (the plugin never
sends a request back).

A `google.protobuf.Struct` reads as the JSON-like value it carries: a dict of
str -> None | bool | float | str | list | dict, and is written from one (an int
is a number too). Which is which on the wire (`struct.proto`): Struct is
`map<string, Value> fields = 1`; Value is a oneof of null_value = 1 (an enum),
number_value = 2 (a double), string_value = 3, bool_value = 4, struct_value = 5,
list_value = 6; ListValue is `repeated Value values = 1`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

STRUCT = "google.protobuf.Struct"

# Wire types.
VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5

_DOUBLE = struct.Struct("<d")


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


def length_delimited(number: int, data: bytes) -> bytes:
    """Field `number` holding `data` (a string's bytes, a message)."""
    return varint(number << 3 | LEN) + varint(len(data)) + data


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
        return b"\x11" + _DOUBLE.pack(value)
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


def _int32(value: int) -> int:
    """A varint read as an int32 (its low 32 bits, signed)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _skip(data: bytes, pos: int, tag: int) -> int:
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
            pos = _skip(data, pos, inner)
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
            (value,) = _DOUBLE.unpack_from(data, pos)
            pos += 8
        elif tag == 0x20:  # bool
            flag, pos = read_varint(data, pos)
            value = flag != 0
        elif tag == 0x08:  # null
            pos = read_varint(data, pos)[1]
            value = None
        else:
            tag, pos = read_varint(data, pos - 1)
            pos = _skip(data, pos, tag)
    return value


def _read_list(data: bytes, pos: int, end: int) -> list[Any]:
    """The `google.protobuf.ListValue` at data[pos:end]."""
    values = []
    while pos < end:
        tag, pos = read_varint(data, pos)
        if tag != 0x0A:
            pos = _skip(data, pos, tag)
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
            pos = _skip(data, pos, tag)
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
                pos = _skip(data, pos, tag)
        fields[key] = value
    return fields


# --- the kinds of field ---------------------------------------------------------------


class Kind(NamedTuple):
    """How one kind of field is written and read."""

    wire_type: int
    default: Any
    write: Callable[[Any], bytes]  # the value's bytes (after the tag)
    read: Callable[[bytes, int], tuple[Any, int]]  # value and position after it


def _read_string(data: bytes, pos: int) -> tuple[str, int]:
    length, pos = read_varint(data, pos)
    return data[pos : pos + length].decode(), pos + length


def _read_double(data: bytes, pos: int) -> tuple[float, int]:
    return _DOUBLE.unpack_from(data, pos)[0], pos + 8


def _read_bool(data: bytes, pos: int) -> tuple[bool, int]:
    value, pos = read_varint(data, pos)
    return value != 0, pos


def _read_int32(data: bytes, pos: int) -> tuple[int, int]:
    value, pos = read_varint(data, pos)
    return _int32(value), pos


def _read_struct_field(data: bytes, pos: int) -> tuple[dict[str, Any], int]:
    length, pos = read_varint(data, pos)
    return read_struct(data, pos, pos + length), pos + length


def _with_length(data: bytes) -> bytes:
    return varint(len(data)) + data


_INT32 = Kind(VARINT, 0, varint, _read_int32)
KINDS: dict[str, Kind] = {
    "string": Kind(LEN, "", lambda v: _with_length(v.encode()), _read_string),
    "bool": Kind(VARINT, False, lambda v: b"\x01" if v else b"\x00", _read_bool),
    "int32": _INT32,
    "enum": _INT32,  # an open enum: any number read is kept
    "double": Kind(I64, 0.0, _DOUBLE.pack, _read_double),
    STRUCT: Kind(LEN, None, lambda v: _with_length(struct_bytes(v)), _read_struct_field),
}


def _message_kind(cls: type[Message]) -> Kind:
    def read(data: bytes, pos: int) -> tuple[Message, int]:
        length, pos = read_varint(data, pos)
        return cls._read(data, pos, pos + length), pos + length

    return Kind(LEN, None, lambda v: _with_length(v.SerializeToString()), read)


class Field(NamedTuple):
    """One declared field: `type` is a scalar's name, `enum <Name>`, `STRUCT` or a
    message class; `label` is "", "repeated" or "map" (string keys, `type` the
    values')."""

    name: str
    number: int
    type: str | type[Message]
    label: str = ""

    @property
    def kind(self) -> Kind:
        if isinstance(self.type, type):
            return _message_kind(self.type)
        return KINDS[self.type.partition(" ")[0]]  # "enum <Name>": an enum's

    def default(self) -> Any:
        """The value of the field unset (a new list or dict each time)."""
        if self.label == "repeated":
            return []
        if self.label == "map":
            return {}
        return None if isinstance(self.type, type) else self.kind.default


def _map_entry(value_kind: Kind) -> Kind:
    """A map's entry: a message of key = 1 (a string) and value = 2."""
    string = KINDS["string"]
    value_tag = varint(2 << 3 | value_kind.wire_type)

    def write(item: tuple[str, Any]) -> bytes:
        key, value = item
        return _with_length(b"\x0a" + string.write(key) + value_tag + value_kind.write(value))

    def read(data: bytes, pos: int) -> tuple[tuple[str, Any], int]:
        length, pos = read_varint(data, pos)
        end, key, value = pos + length, "", value_kind.default
        while pos < end:
            tag, pos = read_varint(data, pos)
            if tag == 0x0A:
                key, pos = string.read(data, pos)
            elif tag == value_tag[0]:
                value, pos = value_kind.read(data, pos)
            else:
                pos = _skip(data, pos, tag)
        return (key, value), end

    return Kind(LEN, None, write, read)


# --- messages -----------------------------------------------------------------------


class Message:
    """A message of declared fields (`message` makes each class)."""

    __slots__ = ()
    FIELDS: tuple[Field, ...] = ()
    # Made by `message`: each field's name and default; each tag's (name, label, kind);
    # the fields' writers, in number order.
    _defaults: tuple[tuple[str, Any], ...] = ()
    _readers: dict[int, tuple[str, str, Kind]] = {}
    _writers: tuple[Callable[[Message], bytes], ...] = ()

    def __init__(self, **values: Any) -> None:
        for name, default in self._defaults:
            value = values.pop(name, None)
            if value is None:  # a new list or dict for each message
                value = default.copy() if type(default) in (list, dict) else default
            setattr(self, name, value)
        if values:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(values)}")

    @classmethod
    def _read(cls, data: bytes, pos: int, end: int) -> Message:
        message = cls()
        readers = cls._readers
        while pos < end:
            tag, pos = read_varint(data, pos)
            reader = readers.get(tag)
            if reader is None:
                pos = _skip(data, pos, tag)
                continue
            name, label, kind = reader
            value, pos = kind.read(data, pos)
            if label == "repeated":
                getattr(message, name).append(value)
            elif label == "map":
                getattr(message, name)[value[0]] = value[1]
            else:
                setattr(message, name, value)
        if pos != end:
            raise ValueError(f"malformed {cls.__name__}: a field runs past its end")
        return message

    @classmethod
    def FromString(cls, data: bytes) -> Message:  # noqa: N802 (gRPC's and the SDK's name)
        try:
            return cls._read(data, 0, len(data))
        except (IndexError, struct.error) as exc:
            raise ValueError(f"malformed {cls.__name__}: it ends inside a field") from exc

    def SerializeToString(self) -> bytes:  # noqa: N802 (gRPC's and the SDK's name)
        return b"".join(write(self) for write in self._writers)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in self.FIELDS)

    def __repr__(self) -> str:
        values = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self.FIELDS)
        return f"{type(self).__name__}({values})"


def _writer(field: Field) -> Callable[[Message], bytes]:
    """Field's bytes in a message: none for a default scalar (proto3), an unset message,
    an empty list or map; each element of a list, each entry of a map."""
    name, kind = field.name, field.kind
    if field.label == "map":
        kind = _map_entry(kind)
    tag = varint(field.number << 3 | kind.wire_type)
    if field.label == "repeated":
        return lambda m: b"".join(tag + kind.write(v) for v in getattr(m, name))
    if field.label == "map":
        return lambda m: b"".join(tag + kind.write(item) for item in getattr(m, name).items())
    default = kind.default
    return lambda m: (
        b"" if (v := getattr(m, name)) is default or v == default else tag + kind.write(v)
    )


def message(name: str, fields: tuple[Field, ...], **constants: int) -> type[Message]:
    """The message class `name` of `fields` (each in number order), with `constants`
    (its enums' values) as class attributes."""
    cls: Any = type(name, (Message,), {"__slots__": tuple(f.name for f in fields), **constants})
    cls.FIELDS = fields
    cls._defaults = tuple((f.name, f.default()) for f in fields)
    cls._writers = tuple(_writer(f) for f in sorted(fields, key=lambda f: f.number))
    cls._readers = {}
    for f in fields:
        kind = _map_entry(f.kind) if f.label == "map" else f.kind
        cls._readers[f.number << 3 | kind.wire_type] = (f.name, f.label, kind)
    return cls
