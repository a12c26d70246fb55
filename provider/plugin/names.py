"""The schema's names of the declaration's: `callback_url` is `callbackUrl`."""

from __future__ import annotations

PACKAGE = "quickbooks"
INSTANCE = f"{PACKAGE}:index:Instance"  # the resource's type token
SERVICE = "/pulumirpc.ResourceProvider/"  # the gRPC path of the engine's provider methods


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
