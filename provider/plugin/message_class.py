"""Message classes made from their fields' declarations (`protocol.py` declares them).

Each class: keyword construction, proto3's defaults ("", False, 0, 0.0; [] for a
repeated field, {} for a map, None for an unset message), `SerializeToString` and
`FromString` (the names gRPC and the SDK use), equality and a repr. Field kinds:
`string`, `bool`, `int32`, `double`, an enum (an int), a message class, `STRUCT`
(a property map as its plain dict: `codec.py`), each optionally `repeated`, or a
map of string keys. A field the plugin does not declare is skipped when read (the
plugin never sends a request back).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any, NamedTuple

from .codec import (
    DOUBLE,
    I64,
    LEN,
    STRUCT,
    VARINT,
    read_struct,
    read_varint,
    skip,
    struct_bytes,
    varint,
    with_length,
)

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
    return DOUBLE.unpack_from(data, pos)[0], pos + 8


def _read_bool(data: bytes, pos: int) -> tuple[bool, int]:
    value, pos = read_varint(data, pos)
    return value != 0, pos


def _int32(value: int) -> int:
    """A varint read as an int32 (its low 32 bits, signed)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _read_int32(data: bytes, pos: int) -> tuple[int, int]:
    value, pos = read_varint(data, pos)
    return _int32(value), pos


def _read_struct_field(data: bytes, pos: int) -> tuple[dict[str, Any], int]:
    length, pos = read_varint(data, pos)
    return read_struct(data, pos, pos + length), pos + length


_INT32 = Kind(VARINT, 0, varint, _read_int32)
KINDS: dict[str, Kind] = {
    "string": Kind(LEN, "", lambda v: with_length(v.encode()), _read_string),
    "bool": Kind(VARINT, False, lambda v: b"\x01" if v else b"\x00", _read_bool),
    "int32": _INT32,
    "enum": _INT32,  # an open enum: any number read is kept
    "double": Kind(I64, 0.0, DOUBLE.pack, _read_double),
    STRUCT: Kind(LEN, None, lambda v: with_length(struct_bytes(v)), _read_struct_field),
}


def _message_kind(cls: type[Message]) -> Kind:
    def read(data: bytes, pos: int) -> tuple[Message, int]:
        length, pos = read_varint(data, pos)
        return cls._read(data, pos, pos + length), pos + length

    return Kind(LEN, None, lambda v: with_length(v.SerializeToString()), read)


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


def _map_entry(field: Field) -> Kind:
    """A map's entry: a message of key = 1 (a string) and value = 2 (an entry without
    one holds the value type's default: an empty message for a message's)."""
    string, value_kind = KINDS["string"], field.kind
    value_tag = varint(2 << 3 | value_kind.wire_type)
    message = field.type if isinstance(field.type, type) else None

    def write(item: tuple[str, Any]) -> bytes:
        key, value = item
        return with_length(b"\x0a" + string.write(key) + value_tag + value_kind.write(value))

    def read(data: bytes, pos: int) -> tuple[tuple[str, Any], int]:
        length, pos = read_varint(data, pos)
        end, key, value = pos + length, "", None
        while pos < end:
            tag, pos = read_varint(data, pos)
            if tag == 0x0A:
                key, pos = string.read(data, pos)
            elif tag == value_tag[0]:
                value, pos = value_kind.read(data, pos)
            else:
                pos = skip(data, pos, tag)
        if value is None:
            value = message() if message else value_kind.default
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
                pos = skip(data, pos, tag)
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
        kind = _map_entry(field)
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
        kind = _map_entry(f) if f.label == "map" else f.kind
        cls._readers[f.number << 3 | kind.wire_type] = (f.name, f.label, kind)
    return cls
