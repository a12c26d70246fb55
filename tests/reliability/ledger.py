"""What the reliability suite tried and how it went, for the summary printed at the end.

Tests record each fault row, each bad input and each isolation check here, with the
front-end it ran on; the secret-leak scans of the whole run are read from
`harness.leaks.SCANS`. `conftest.py` prints the totals as
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

from .front_ends import FRONT_ENDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
MARKER = "reliability:summary"
RECORD_COMMAND = "RELIABILITY_RECORD=1 python -m pytest tests/reliability"


@dataclass
class Ledger:
    """Every row is recorded with the front-end it ran on: `front_end`, set before each
    test from the test's `front_end` ("dynamic" unless it runs on both); an isolation
    check names its own ("" for one of the emulator alone)."""

    faults: dict[tuple[str, str, str], bool] = field(default_factory=dict)  # -> survived
    inputs: dict[tuple[str, str, str], bool] = field(default_factory=dict)  # -> rejected
    isolation: dict[tuple[str, str], bool] = field(default_factory=dict)  # -> held
    front_end: str = ""

    @contextlib.contextmanager
    def fault(self, level: str, row: str) -> Iterator[None]:
        """Wraps one fault row: survived unless the block raises."""
        key = (level, row, self.front_end)
        self.faults[key] = False
        yield
        self.faults[key] = True

    def isolated(self, check: str, held: bool, front_end: str) -> None:
        self.isolation[(check, front_end)] = held

    def bad_input(self, level: str, case: str, rejected: bool) -> None:
        self.inputs[(level, case, self.front_end)] = rejected

    @property
    def scans(self) -> list[tuple[str, int]]:
        return SCANS

    def rows(self) -> dict[str, list[list]]:
        """Every row and scan, as a pytest-xdist worker hands them to its controller."""
        return {
            "faults": [[*key, ok] for key, ok in self.faults.items()],
            "inputs": [[*key, ok] for key, ok in self.inputs.items()],
            "isolation": [[*key, ok] for key, ok in self.isolation.items()],
            "scans": [list(scan) for scan in SCANS],
        }

    def add(self, rows: dict[str, list[list]]) -> None:
        """A worker's `rows`, gathered into this (the controller's) ledger."""
        for name in ("faults", "inputs", "isolation"):
            book = getattr(self, name)
            for *key, ok in rows[name]:
                book[tuple(key)] = ok
        SCANS.extend((source, hits) for source, hits in rows["scans"])

    def empty(self) -> bool:
        return not (self.faults or self.inputs or self.scans or self.isolation)

    def table(self) -> list[str]:
        rows = []
        for what, book, levels, verb in (
            ("faults", self.faults, ("provider", "pulumi CLI"), "survived"),
            ("bad inputs", self.inputs, ("check", "pulumi preview"), "rejected"),
        ):
            for level in levels:
                for front_end in FRONT_ENDS:
                    tried = [
                        ok for (lvl, _, fe), ok in book.items() if (lvl, fe) == (level, front_end)
                    ]
                    if tried:
                        name = f"{what}, {level} ({front_end})"
                        rows.append((name, len(tried), f"{sum(tried)} {verb}"))
        for front_end in ("", *FRONT_ENDS):
            held = [ok for (_, fe), ok in self.isolation.items() if fe == front_end]
            if held:
                name = f"isolation checks ({front_end or 'emulator'})"
                rows.append((name, len(held), f"{sum(held)} held"))
        if self.scans:
            hits = sum(h for _, h in self.scans)
            sources = len({s for s, _ in self.scans})
            rows.append(("secret-leak scans", len(self.scans), f"{hits} hits ({sources} sources)"))
        width = max(len(r[0]) for r in rows)
        lines = [f"{'':{width}}  {'tried':>5}  result", f"{'-' * width}  -----  ------"]
        lines += [f"{name:{width}}  {tried:>5}  {result}" for name, tried, result in rows]
        single = self._on_one_front_end()
        if single:
            lines += ["on one front-end only:", *single]
        failed = [f"  {lvl}: {row} ({fe})" for (lvl, row, fe), ok in self.faults.items() if not ok]
        failed += [
            f"  {lvl}: {case} ({fe}, accepted!)"
            for (lvl, case, fe), ok in self.inputs.items()
            if not ok
        ]
        failed += [f"  isolation: {check}" for (check, _), ok in self.isolation.items() if not ok]
        failed += [f"  leak in {source}: {hits}" for source, hits in self.scans if hits]
        if failed:
            lines += ["not survived / not rejected / leaked:", *failed]
        return lines

    def _on_one_front_end(self) -> list[str]:
        """The fault rows and bad inputs tried on one front-end, not both."""
        ran: dict[tuple[str, str], list[str]] = {}
        for level, row, front_end in [*self.faults, *self.inputs]:
            ran.setdefault((level, row), []).append(front_end)
        return [
            f"  {level}: {row} ({front_ends[0]})"
            for (level, row), front_ends in ran.items()
            if len(front_ends) == 1
        ]


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
        if line.startswith(("on one front-end", "not survived")):
            break
        if match := re.fullmatch(r"(\S.*?) {2,}(\d+)  (.+)", line):
            rows[match[1]] = (int(match[2]), match[3])
    return rows


LEDGER = Ledger()
