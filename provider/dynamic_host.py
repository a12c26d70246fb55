"""Our errors, as the dynamic provider's host reports them: the message, no traceback.

`python -m pulumi.dynamic` (the host the engine starts for a dynamic provider, from
any Pulumi CLI) answers every exception of a handler with `traceback.format_exc()`.
A `QuickBooksError` is a message for the person running `pulumi` (a spent grant, a
refused takeover, a missing setting: what happened and the command that fixes it);
a Python traceback before it only hides it. So, in that host only, the `traceback`
that its handlers call gives our errors as their message; any other exception keeps
its traceback, which a bug report needs. The plugin does the same in
`plugin/server.py`.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

from .errors import QuickBooksError

HOST_MODULE = "pulumi.dynamic.__main__"


class _PlainForOurs:
    """The `traceback` module, but `format_exc` of a `QuickBooksError` is its message."""

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)

    @staticmethod
    def format_exc(*args: Any, **kwargs: Any) -> str:
        exc = sys.exc_info()[1]
        if isinstance(exc, QuickBooksError):
            return str(exc)
        return traceback.format_exc(*args, **kwargs)


def install() -> bool:
    """In the dynamic provider's host, show our errors plain; elsewhere do nothing.
    Returns whether it is installed."""
    host = sys.modules.get("__main__")
    spec = getattr(host, "__spec__", None)
    if getattr(spec, "name", None) != HOST_MODULE:
        return False
    if isinstance(getattr(host, "traceback", None), _PlainForOurs):
        return True
    if getattr(host, "traceback", None) is not traceback:
        return False  # another SDK shape: leave it as it is (the e2e test then fails)
    host.traceback = _PlainForOurs()  # type: ignore[union-attr]
    return True
