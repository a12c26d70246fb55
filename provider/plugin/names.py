"""The schema's names of the declaration's: `callback_url` is `callbackUrl`."""

from __future__ import annotations

from functools import lru_cache

PACKAGE = "quickbooks"
INSTANCE = f"{PACKAGE}:index:Instance"  # the resource's type token


# Each property map of every request is renamed key by key, and the keys are few: the
# names are computed once each (bounded: a program may send keys of its own).
@lru_cache(maxsize=1024)
def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@lru_cache(maxsize=1024)
def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
