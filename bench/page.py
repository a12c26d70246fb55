"""What a section of RESULTS.md is rendered from, and how it writes numbers and tables."""

from __future__ import annotations

from typing import Any, NamedTuple

from .results import Results


class Page(NamedTuple):
    data: dict[str, Any]  # the run's figures, as results.json holds them
    results: Results
    chart: str | None  # the scale chart's path relative to RESULTS.md, when one was drawn


def secs(seconds: float) -> str:
    return f"{seconds:.2f}"


def mark(ok: bool) -> str:
    return "yes" if ok else "**no**"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def spread(walls: list[float]) -> str:
    return f"{min(walls):.2f}-{max(walls):.2f}"
