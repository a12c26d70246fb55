"""Who owns an instance: the ownership tag `pulumi:<project>:<stack>:<resource>`.

The tag is the only mark an instance carries of the Pulumi resource that manages
it, so every operation that writes or deletes asks it first: an instance whose
tag names another stack or resource is someone else's, and is never adopted,
changed or deleted except by a takeover that names the current owner on purpose
(`adopt_from`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from .spec import OWNERSHIP_PREFIX


def is_ownership_tag(tag: str) -> bool:
    """`pulumi:<project>:<stack>:<resource>` (the resource name may hold colons)."""
    if not tag.startswith(OWNERSHIP_PREFIX):
        return False
    parts = tag[len(OWNERSHIP_PREFIX) :].split(":", 2)
    return len(parts) == 3 and all(parts)


def other_owners(tags: Iterable[str], mine: str | None) -> list[str]:
    """The ownership tags on an instance that are not `mine`, in tag order.

    With `mine` unknown (None), every ownership tag counts as another's: the
    safe answer when the provider cannot tell whose the instance is."""
    return [t for t in tags if isinstance(t, str) and is_ownership_tag(t) and t != mine]


def warn(message: str) -> None:
    """A warning the user sees in the CLI output.

    The dynamic-provider host has no engine connection for diagnostics, but the
    engine prints every line a provider plugin writes to stderr; `pulumi.log`
    would write the same line there, at a cost of importing the runtime."""
    print(f"warning: {message}", file=sys.stderr, flush=True)
