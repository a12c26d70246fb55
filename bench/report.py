"""`bench/RESULTS.md` and its JSON from one run's Results: only the sections measured so far.

Each section is declared once below: its heading, when it has anything to show, and the
function that writes its body. `figures.py` makes the JSON, `verdicts.py` the goals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import cpu_sections, goals, wall_sections
from .figures import to_json
from .page import Page, table
from .results import Results
from .verdicts import summary

__all__ = ["SECTIONS", "heading", "markdown", "to_json"]


@dataclass(frozen=True)
class Section:
    heading: str  # as RESULTS.md titles it; {latency} and {size} are the run's
    shown: Callable[[dict[str, Any], Results], bool]  # has this run anything for it?
    body: Callable[[Page], list[str]]


# In the order RESULTS.md shows them, which is also `python -m bench --sections`' order.
SECTIONS = {
    "calls": Section(
        "HTTP calls per operation", lambda data, _: bool(data["calls"]), wall_sections.calls
    ),
    "overhead": Section(
        "Provider overhead (emulator at 0 ms)",
        lambda data, _: bool(data["overhead"]),
        wall_sections.overhead,
    ),
    "scale": Section(
        "Scale (emulator at {latency} ms per call)",
        lambda data, _: bool(data["scale"]),
        wall_sections.scale,
    ),
    "sharding": Section(
        "Sharding: K dynamic-provider hosts at N={size}",
        lambda data, _: bool(data["sharding"]),
        wall_sections.sharding,
    ),
    "cpu": Section(
        "CPU per operation: the provider host apart from the emulator",
        lambda data, results: bool(
            data["cpu"]["rows"] or results.rpc_costs or data["provider_methods"]
        ),
        cpu_sections.cpu,
    ),
    "profile": Section(
        "Profiles: where the provider host's time goes",
        lambda _, results: bool(results.profiles),
        cpu_sections.profile,
    ),
    "checkpoints": Section(
        "State checkpoints", lambda _, results: bool(results.checkpoints), cpu_sections.checkpoints
    ),
}


def heading(name: str, results: Results) -> str:
    return SECTIONS[name].heading.format(latency=results.latency_ms, size=results.largest)


def markdown(results: Results, chart: str | None = None) -> str:
    page = Page(to_json(results), results, chart)
    out = ["# Benchmark results", "", *_preamble(results), "## Goals", ""]
    out += summary(page.data, results)
    for name, section in SECTIONS.items():
        if section.shown(page.data, results):
            out += [f"## {heading(name, results)}", "", *section.body(page)]
    return "\n".join(out) + "\n"


def _preamble(results: Results) -> list[str]:
    """How the run was made, what it measured so far, and on what machine."""
    reps = ", ".join(f"{n} at N={size}" for size, n in results.reps.items())
    mode = "quick (1 repetition)" if results.quick else f"full (median of {reps} repetitions)"
    pending = [s for s in results.sections if s not in results.done]
    command = f"python -m bench --sizes {','.join(map(str, results.sizes))}"
    if results.quick:
        command += " --quick"
    if results.sections != list(SECTIONS) and not results.quick:
        command += f" --sections {','.join(results.sections)}"
    out = [
        f"Written by `{command}` on {results.machine.get('date')}; {mode}; "
        f"{results.seconds / 60:.1f} min{' so far' if pending else ''}. Sections measured: "
        f"{', '.join(results.done) or 'none'}"
        + (f"; **not (yet) measured: {', '.join(pending)}**" if pending else "")
        + ". All ratios are within this one run.",
        "",
    ]
    out += table(["machine", ""], [[k, f"`{v}`"] for k, v in results.machine.items()])
    return [
        *out,
        "",
        f"Engine default `--parallel` here: {results.engine_parallel}; the dynamic-provider "
        f"host serves {goals.HOST_WORKERS} gRPC calls at a time.",
        "",
    ]
