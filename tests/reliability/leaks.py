"""The secret-leak scan: every secret a run used, searched for in everything it produced.

Tests register each secret as it comes into being (account secrets, the app
secret, every grant code, signature keys, instance tokens) with `SECRETS.add`;
`scan(source, text)` then counts how often any of them appears in a text (CLI
output, exported state, logs, exception texts, the emulator's request log),
records the count in the ledger and returns the labels found.
"""

from __future__ import annotations

import json
from typing import Any

from .ledger import LEDGER

# Shorter values would match ordinary words; every secret the tests make is longer.
MIN_LENGTH = 8


class Secrets:
    def __init__(self) -> None:
        self._labels: dict[str, str] = {}

    def add(self, label: str, value: Any) -> None:
        if isinstance(value, str) and len(value) >= MIN_LENGTH:
            self._labels.setdefault(value, label)

    def __len__(self) -> int:
        return len(self._labels)

    def found_in(self, text: str) -> list[tuple[str, int]]:
        """(label, occurrences) of each registered secret present in `text`."""
        return sorted((label, text.count(v)) for v, label in self._labels.items() if v in text)


SECRETS = Secrets()


def scan(source: str, text: str) -> list[tuple[str, int]]:
    """The registered secrets found in `text` (label, count); recorded under `source`."""
    found = SECRETS.found_in(text)
    LEDGER.scan(source, sum(count for _, count in found))
    return found


def without_ciphertext(value: Any) -> Any:
    """Exported state with every encrypted value replaced by a marker."""
    if isinstance(value, dict):
        if "ciphertext" in value:
            return "<ciphertext>"
        return {k: without_ciphertext(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_ciphertext(v) for v in value]
    return value


def is_ciphertext(value: Any) -> bool:
    return isinstance(value, dict) and "ciphertext" in value


def dumps(value: Any) -> str:
    return json.dumps(value, default=str)
