"""Cloud Elements QuickBooks Online instances as Pulumi resources (a dynamic provider).

Each process imports only what it runs: the native plugin (`provider.plugin`), the
onboarding command and the tools import this package without the dynamic
front-end, which costs `pulumi.dynamic` and the whole Pulumi SDK. The program's
`from provider import QuickBooksInstance` loads it on that first use (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .lifecycle import QuickBooksInstanceProvider
    from .resource import QuickBooksInstance

__all__ = ["QuickBooksInstance", "QuickBooksInstanceProvider"]

_WHERE = {"QuickBooksInstance": ".resource", "QuickBooksInstanceProvider": ".lifecycle"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value  # once: later lookups find it without this hook
    return value
