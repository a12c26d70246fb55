"""Keeps secret values out of every message the provider produces.

Concurrency: one redactor serves every step of a provider process, and steps run in
parallel threads: one learns a secret (`add`) while another redacts a message. The
known secrets are an immutable snapshot (a tuple, longest first), replaced whole
under a lock by `add`; a redaction reads the snapshot once and works on it alone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

REDACTED = "[secret]"


class Redactor:
    """Replaces known secret values in text. Short values are ignored: they would
    redact ordinary words and are not secrets worth the name."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        new = {v for v in secrets if isinstance(v, str) and len(v) >= 6}
        if not new or new.issubset(self._secrets):
            return
        with self._lock:
            known = set(self._secrets) | new
            # Longest first, so a secret that contains another is removed whole.
            self._secrets = tuple(sorted(known, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for value in self._secrets:  # one snapshot, whatever `add` does meanwhile
            text = text.replace(value, REDACTED)
        return text
