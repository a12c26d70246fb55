"""How input values are written in an instance's configuration, where the API keeps
every value as a string, and read back from it."""

from __future__ import annotations

from collections.abc import Sequence

from .declaration import Codec


def _text(value: str | None) -> str | None:
    return value


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None  # not a number: shown as unset, so the declared value is re-applied


TEXT = Codec(encode=str, decode=_text)
BOOL = Codec(encode=lambda v: "true" if v else "false", decode=lambda v: v == "true")
INT = Codec(encode=str, decode=_int)


def pipe_list(known: Sequence[str]) -> Codec:
    """`a|b|c`, read back in the order of `known`; names `known` lacks (added to the
    element later) are kept after them, so they show up as drift instead of vanishing."""

    def decode(value: str | None) -> list[str]:
        items = [r for r in (value or "").split("|") if r]
        return [r for r in known if r in items] + sorted(set(items) - set(known))

    return Codec(encode="|".join, decode=decode)
