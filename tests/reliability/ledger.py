"""What the reliability suite tried and how it went, for the summary printed at the end.

Tests record each fault row and each bad input here; the secret-leak scans of the
whole run are read from `harness.leaks.SCANS`. `conftest.py` prints the totals as
one table (`pytest_terminal_summary`) and, with `RELIABILITY_RECORD=1`, writes it into
`docs/reliability.md` (`record`), as the bench writes `bench/RESULTS.md`.
A row is recorded as survived only when its whole block ran without an
assertion failing, so a failing row shows up in the table as well as in pytest.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from harness.leaks import SCANS
from provider.docs import replace_block

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
MARKER = "reliability:summary"
RECORD_COMMAND = "RELIABILITY_RECORD=1 python -m pytest tests/reliability"


@dataclass
class Ledger:
    faults: dict[tuple[str, str], bool] = field(default_factory=dict)  # (level, row) -> survived
    inputs: dict[tuple[str, str], bool] = field(default_factory=dict)  # (level, case) -> rejected
    isolation: dict[str, bool] = field(default_factory=dict)  # check -> held

    @contextlib.contextmanager
    def fault(self, level: str, row: str) -> Iterator[None]:
        """Wraps one fault row: survived unless the block raises."""
        self.faults[(level, row)] = False
        yield
        self.faults[(level, row)] = True

    def isolated(self, check: str, held: bool) -> None:
        self.isolation[check] = held

    def bad_input(self, level: str, case: str, rejected: bool) -> None:
        self.inputs[(level, case)] = rejected

    @property
    def scans(self) -> list[tuple[str, int]]:
        return SCANS

    def empty(self) -> bool:
        return not (self.faults or self.inputs or self.scans or self.isolation)

    def table(self) -> list[str]:
        rows = []
        for level in ("provider", "pulumi CLI"):
            tried = [ok for (lvl, _), ok in self.faults.items() if lvl == level]
            if tried:
                rows.append((f"faults, {level}", len(tried), f"{sum(tried)} survived"))
        for level in ("check", "pulumi preview"):
            tried = [ok for (lvl, _), ok in self.inputs.items() if lvl == level]
            if tried:
                rows.append((f"bad inputs, {level}", len(tried), f"{sum(tried)} rejected"))
        if self.isolation:
            held = sum(self.isolation.values())
            rows.append(("isolation checks", len(self.isolation), f"{held} held"))
        if self.scans:
            hits = sum(h for _, h in self.scans)
            sources = len({s for s, _ in self.scans})
            rows.append(("secret-leak scans", len(self.scans), f"{hits} hits ({sources} sources)"))
        width = max(len(r[0]) for r in rows)
        lines = [f"{'':{width}}  {'tried':>5}  result", f"{'-' * width}  -----  ------"]
        lines += [f"{name:{width}}  {tried:>5}  {result}" for name, tried, result in rows]
        failed = [f"  {lvl}: {row}" for (lvl, row), ok in self.faults.items() if not ok]
        failed += [
            f"  {lvl}: {case} (accepted!)" for (lvl, case), ok in self.inputs.items() if not ok
        ]
        failed += [f"  isolation: {check}" for check, ok in self.isolation.items() if not ok]
        failed += [f"  leak in {source}: {hits}" for source, hits in self.scans if hits]
        if failed:
            lines += ["not survived / not rejected / leaked:", *failed]
        return lines


def summary_block(lines: list[str], passed: int, seconds: float) -> str:
    """The block of `docs/reliability.md`: the table as printed, and how it was made."""
    return "\n".join(
        [
            "```text",
            *lines,
            "```",
            "",
            f"Written by `{RECORD_COMMAND}`: {passed} tests passed in {seconds:.0f} s.",
        ]
    )


def record(lines: list[str], passed: int, seconds: float, doc: Path = DOC) -> None:
    doc.write_text(replace_block(doc.read_text(), MARKER, summary_block(lines, passed, seconds)))


def recorded_rows(doc: Path = DOC) -> dict[str, tuple[int, str]]:
    """What the last recorded run wrote: row name -> (tried, result)."""
    text = doc.read_text()
    block = text.split(f"<!-- {MARKER} -->", 1)[1].split(f"<!-- /{MARKER} -->", 1)[0]
    fenced = block.split("```")
    rows: dict[str, tuple[int, str]] = {}
    for line in fenced[1].splitlines() if len(fenced) > 2 else []:
        if line.startswith("not survived"):
            break
        if match := re.fullmatch(r"(\S.*?) {2,}(\d+)  (.+)", line):
            rows[match[1]] = (int(match[2]), match[3])
    return rows


LEDGER = Ledger()
