"""What can stop `python -m provider.onboard`: one exception, one line for the terminal."""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile(r"[^\x20-\x7e]+")


class OnboardError(Exception):
    """Onboarding cannot go on. The message is one line that names the cause and
    never quotes a secret or grant value; ``page_reason`` is the shorter text the
    browser tab shows when the failure happens after the redirect."""

    def __init__(self, message: str, *, page_reason: str | None = None) -> None:
        super().__init__(" ".join(message.split()))
        self.page_reason = page_reason or str(self)


def untrusted(text: str, limit: int = 120) -> str:
    """A value the browser (anyone who can reach the listener) sent, made safe to print:
    no control characters or escape sequences for the terminal, bounded length."""
    cleaned = _UNPRINTABLE.sub("?", text)
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "..."
