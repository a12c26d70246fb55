"""The secret-leak scan: every secret a run used, searched for in everything it produced.

Each secret is registered where it comes into being, so no test or fixture can forget
it: throwaway accounts, app secrets and grant codes by `harness.accounts`, the
emulator's admin token by `harness.emulator`, grants stored in a stack by
`harness.pulumi_stack`; tests add their own (signature keys, instance tokens) with
`SECRETS.add`. `scan(source, text)` then counts how often any of them appears in a
text (CLI output, exported state, logs, exception texts, the emulator's request log
and stderr), records the count in `SCANS` and returns the labels found.
"""

from __future__ import annotations

import json
from typing import Any

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
SCANS: list[tuple[str, int]] = []  # (source, hits) of every scan, for the reliability summary


def scan(source: str, text: str) -> list[tuple[str, int]]:
    """The registered secrets found in `text` (label, count); recorded under `source`."""
    found = SECRETS.found_in(text)
    SCANS.append((source, sum(count for _, count in found)))
    return found


def assert_no_secrets(source: str, text: str) -> None:
    found = scan(source, text)
    assert not found, f"secrets in the {source}: {found}"


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
