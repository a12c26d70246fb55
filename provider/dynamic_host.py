"""The dynamic provider's host, as it answers for our provider: our errors as their
message, with no traceback; a diff with the inputs that change.

`python -m pulumi.dynamic` (the host the engine starts for a dynamic provider, from
any Pulumi CLI) answers every exception of a handler with `traceback.format_exc()`.
A `QuickBooksError` is a message for the person running `pulumi` (a spent grant, a
refused takeover, a missing setting: what happened and the command that fixes it);
a Python traceback before it only hides it. So, in that host only, the `traceback`
that its handlers call gives our errors as their message; any other exception keeps
its traceback, which a bug report needs. The plugin does the same in
`plugin/server.py`.

The host answers a diff with only whether it changes and what replaces: the engine
then shows the whole difference of the old and new inputs. The inputs as stored
hold what was declared (a state written before held every default too), so that
difference can show an input left at its default as removed. So the host also
answers which inputs change (the `diffs` of the engine's protocol, as the plugin
answers them), and the engine shows those alone.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable, Iterable
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


_changed = threading.local()


def changed_inputs(names: Iterable[str]) -> None:
    """What the provider's diff found: the inputs that change, for the host's answer (a
    handler runs in one thread of the host's server, the provider's diff inside it)."""
    _changed.names = sorted(names)


class _WithChangedInputs:
    """The host's `proto` module, but a `DiffResponse` also names the inputs that change,
    as the provider's diff just found them (the host builds the answer right after it,
    in the same thread). The host looks `proto` up at each call; its handlers were bound
    when its server started, before it loaded our provider."""

    def __init__(self, proto: Any) -> None:
        self._proto = proto
        self.DiffResponse = _diff_response(proto.DiffResponse)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._proto, name)


def _diff_response(response_type: Any) -> Callable[..., Any]:
    def diff_response(**fields: Any) -> Any:
        names, _changed.names = getattr(_changed, "names", []), []
        return response_type(**fields, diffs=names)

    for name in ("DIFF_UNKNOWN", "DIFF_NONE", "DIFF_SOME"):
        setattr(diff_response, name, getattr(response_type, name))
    return diff_response


def install() -> bool:
    """In the dynamic provider's host, show our errors plain; elsewhere do nothing.
    Returns whether it is installed."""
    host = sys.modules.get("__main__")
    spec = getattr(host, "__spec__", None)
    if getattr(spec, "name", None) != HOST_MODULE:
        return False
    if isinstance(getattr(host, "traceback", None), _PlainForOurs):
        return True
    proto = getattr(host, "proto", None)
    if getattr(host, "traceback", None) is not traceback or not hasattr(proto, "DiffResponse"):
        return False  # another SDK shape: leave it as it is (the e2e tests then fail)
    host.traceback = _PlainForOurs()  # type: ignore[union-attr]
    host.proto = _WithChangedInputs(proto)  # type: ignore[union-attr]
    return True
