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
from pathlib import Path
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


def command_lines() -> dict[int, str]:
    """Every running process's command line (as `ps` shows it to any local user)."""
    lines = {}
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            raw = entry.read_bytes()
        except OSError:  # the process ended meanwhile, or is not ours to read
            continue
        lines[int(entry.parent.name)] = raw.replace(b"\0", b" ").decode(errors="replace")
    return lines


def command_lines_with(*values: str, pid: int | None = None) -> list[tuple[int, str]]:
    """(pid, program) of each running process (or only `pid`) whose command line holds
    one of `values` (default: every registered secret); the program only, so a report
    quotes no secret."""
    found = []
    for number, line in command_lines().items():
        if pid is not None and number != pid:
            continue
        hits = [v for v in values if v in line] if values else SECRETS.found_in(line)
        if hits:
            found.append((number, line.split(" ", 1)[0]))
    return found
