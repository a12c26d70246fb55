"""Keeps secret values out of every message the provider produces."""

from __future__ import annotations

from collections.abc import Iterable

REDACTED = "[secret]"


class Redactor:
    """Replaces known secret values in text. Short values are ignored: they would
    redact ordinary words and are not secrets worth the name."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        for value in secrets:
            if isinstance(value, str) and len(value) >= 6:
                self._secrets.add(value)

    def __call__(self, text: str) -> str:
        # Longest first, so a secret that contains another is removed whole.
        for value in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(value, REDACTED)
        return text
