"""What can stop `python -m provider.onboard`: one exception (a branch of the provider's
one tree, `provider.errors`), one line for the terminal."""

from __future__ import annotations

import re

from ..errors import OnboardError as OnboardError  # re-exported: onboarding and its tests

_UNPRINTABLE = re.compile(r"[^\x20-\x7e]+")


def untrusted(text: str, limit: int = 120) -> str:
    """A value the browser (anyone who can reach the listener) sent, made safe to print:
    no control characters or escape sequences for the terminal, bounded length."""
    cleaned = _UNPRINTABLE.sub("?", text)
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "..."
