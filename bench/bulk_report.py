"""The "Bulk runs" block of bench/RESULTS.md, from a run's `Figures` (bench/bulk.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from provider.docs import replace_block

from . import machine
from .bulk_sections import PLUGIN, PLUGIN_YAML
from .native import BULK_BLOCK

if TYPE_CHECKING:
    from .bulk import Figures

BLOCK_NAME = "bench:bulk"
OPS = ("create", "update all", "destroy")
EMPTY = (
    "## Bulk runs\n\n<!-- bench:bulk -->\nnot measured yet: run `python -m bench.bulk`\n"
    "<!-- /bench:bulk -->"
)


GROWTH_GOALS = {300: 3.5, 1000: 12.0}  # the bulk mode: at most x3.5 to 300, x12 to 1,000


@dataclass(frozen=True)
class Table:
    """One table of the block: what its paragraph says, its header, and its rows from a
    run's figures."""

    field: str  # the `Figures` field it shows (no figures, no table)
    intro: str
    header: tuple[str, ...] | Callable[[Figures], list[str]]
    rows: Callable[[Figures], list[list[str]]]

    def lines(self, f: Figures) -> list[str]:
        """The paragraph and the table, as lines (a blank line before each)."""
        rows = self.rows(f)
        header = self.header(f) if callable(self.header) else self.header
        return [
            "",
            self.intro,
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
            *("| " + " | ".join(row) + " |" for row in rows),
        ]


def _start(f: Figures) -> list[list[str]]:
    return [
        [code, *(f"{v.get(k, 0):.3f} s" for k in ("port", "port, fastest", "first answer"))]
        + [f"{v.get('provider loaded', 0):.3f} s"]
        for code, v in f.start.items()
    ]


def _noop(f: Figures) -> list[list[str]]:
    rows = []
    for code, v in f.noop.items():
        for what, key in (("wall", ""), ("CPU", ", CPU")):
            if f"0 instances{key}" not in v:
                continue
            empty, ten = v[f"0 instances{key}"], v[f"10 instances{key}"]
            rows.append([code, what, f"{empty:.2f} s", f"{ten:.2f} s", f"{ten - empty:+.2f} s"])
    return rows


STATE_PARTS = ("provider's", "program's stack trace", "engine's")
STATE_GOAL = 5000  # exported bytes per resource on the plugin
STATE_GOAL_ROWS = (PLUGIN, PLUGIN_YAML)  # this code's plugin (not the code before)


def _state_goal(name: str, exported: float) -> str:
    if name not in STATE_GOAL_ROWS:
        return "-"
    return "yes" if exported <= STATE_GOAL else "**no**"


def _state(f: Figures) -> list[list[str]]:
    return [
        [name, f"{v['exported']:,.0f}", f"{v['state file']:,.0f}"]
        + [f"{v[part]:,.0f}" if part in v else "-" for part in STATE_PARTS]
        + [_state_goal(name, v["exported"])]
        for name, v in f.state.items()
    ]


def _kill(f: Figures) -> list[list[str]]:
    rows = []
    for name, report in f.kill.items():
        killed = ", ".join(str(report.killed_at[s]) for s in OPS)
        calls = "; ".join(
            f"{step}: " + " + ".join(f"{n} {m}" for m, n in sorted(c.items()))
            for step, c in report.calls.items()
        )
        count = sum(report.calls["update all"].values())
        total = f"{report.seconds['whole lifecycle']:.0f} s"
        rows.append([name, str(count), killed, calls, total, "exactly the declared instances"])
    return rows


def _stress(f: Figures) -> list[list[str]]:
    return [
        [
            name,
            mode,
            *(", ".join(f"{w:.1f}" for w in f.stress.get((name, mode, op), [])) for op in OPS),
        ]
        for name in sorted({k[0] for k in f.stress})
        for mode in ("checkpoints", "bulk")
    ]


def _growth_sizes(f: Figures) -> list[int]:
    return sorted({n for _, n, _ in f.growth})


def growth_header(f: Figures) -> list[str]:
    sizes = _growth_sizes(f)
    ratios = [f"x {n}/{sizes[0]}" for n in sizes[1:]]
    return ["mode", "operation", *(f"N = {n}" for n in sizes), *ratios, "goal met"]


def _growth_goal(mode: str, base: int, growth: dict[int, float]) -> str:
    """Whether the bulk mode's growth from `base` meets each goal it was measured for."""
    goals = {n: x for n, x in GROWTH_GOALS.items() if n in growth}
    if mode != "bulk" or base != 100 or not goals:
        return "-"
    met = all(growth[n] <= x for n, x in goals.items())
    return "yes" if met else "**no**"


def _growth(f: Figures) -> list[list[str]]:
    sizes = _growth_sizes(f)
    base = sizes[0]
    rows = []
    for mode in ("checkpoints", "bulk"):
        for op in OPS:
            walls = {n: f.growth.get((mode, n, op)) for n in sizes}
            first = walls[base]
            growth = {n: w / first for n, w in walls.items() if w and first and n != base}
            cells = [f"{w:.1f} s" if w is not None else "-" for w in walls.values()]
            ratios = [f"x{growth[n]:.1f}" if n in growth else "-" for n in sizes[1:]]
            rows.append([mode, op, *cells, *ratios, _growth_goal(mode, base, growth)])
    return rows


def _latency(f: Figures) -> list[list[str]]:
    rows = []
    for run, v in f.latency.items():
        bound = v["N"] * v["latency ms"] / 1000 / v["concurrency"]
        cells = [f"{v[op]:.1f} s (x{v[op] / bound:.1f})" if op in v else "-" for op in OPS]
        rows.append([run, f"{v['concurrency']:.0f}", f"{bound:.2f} s", *cells])
    return rows


TABLES = (
    Table(
        "start",
        "**Plugin start**: seconds from starting it to the port on its first line (what the "
        "engine waits for; goal <= 0.15 s), to its first answer (GetPluginInfo), and to an "
        "answer of the provider itself (CheckConfig); medians, and the fastest.",
        ("code", "port", "port, fastest", "first answer", "provider loaded"),
        _start,
    ),
    Table(
        "noop",
        "**No-op `up` of a YAML program on the plugin** (medians; goal: 10 instances within "
        "0.3 s of none): wall seconds, and the CPU seconds of the CLI and all it started "
        "(what a busy machine's load does not inflate).",
        ("code", "", "no instances", "10 instances", "difference"),
        _noop,
    ),
    Table(
        "state",
        "**State per resource** after a create (goal: <= 5 kB on the plugin): bytes of "
        "`pulumi stack export` (indented) and of the backend's state file (compact JSON, what "
        "every step rewrites), divided by N; then each resource's entry in compact JSON by "
        "who writes it: the provider (its inputs and outputs), the program's language host "
        "(the stack trace of the line that declared it, which the engine records) and the "
        "engine (URN, type, provider reference, dependencies, dates). The stack trace and "
        "the engine's fields come with any provider (the null dynamic provider's row): the "
        "goal is met only if the plugin's inputs and outputs take no more than the rest.",
        ("column", "exported", "state file", *STATE_PARTS, "goal met"),
        _state,
    ),
    Table(
        "growth",
        "**Growth** on the plugin, from a YAML program at every N (its config reaches it "
        "over gRPC; a Python program's, in one environment variable, stops near 500 "
        "instances): seconds per N, and their growth from the first N; checkpoints = the "
        "engine's defaults; bulk = `PULUMI_SKIP_CHECKPOINTS=true --parallel 32`. Goal in "
        "the bulk mode: at most x3.5 from 100 to 300 and x12 to 1,000 (the default mode "
        "has none: it is shown beside).",
        growth_header,  # a column per N
        _growth,
    ),
    Table(
        "latency",
        "**At a slow API** (every call `--latency-ms`, 250 by default; N = "
        "`--latency-size`, 100; the plugin from a YAML program; the engine's checkpoints "
        "on unless the run says not): the plugin runs as many operations as the engine's "
        "`--parallel` sends, and `quickbooks:maxConcurrency` (default 0: no bound of its "
        "own) bounds them only when a team sets it; bound = N x latency / concurrency, "
        "concurrency = min(`--parallel`, maxConcurrency when set); each step ends with "
        "exactly the declared instances (time / bound beside).",
        ("run", "concurrency", "bound", *OPS),
        _latency,
    ),
    Table(
        "kill",
        "**Killed bulk runs** (`harness/bulk.py`, checked at every step): `kill -9` of "
        "`pulumi` half-way through a create, update-all and destroy at `--parallel 32` "
        "without checkpoints, each recovered by the plain command.",
        (
            "front-end",
            "N",
            "killed at (create, update, destroy)",
            "recovery calls",
            "whole lifecycle",
            "after each recovery",
        ),
        _kill,
    ),
    Table(
        "stress",
        "**Stress** at `--parallel 32`, each lifecycle checked (exactly the declared instances "
        "after create and update-all, none after destroy); seconds of each repetition.",
        ("front-end", "mode", *OPS),
        _stress,
    ),
)


def markdown(f: Figures) -> str:
    lines = [
        f"One run of `python -m bench.bulk` ({', '.join(f.done) or 'nothing yet'}; "
        f"{f.seconds / 60:.0f} min), {f.machine.get('date', '')}, commit "
        f"{f.machine.get('commit', '')}, {f.machine.get('nproc', '?')} cores shared with "
        "other work (load average at start "
        f"{f.machine.get('load average at start', '?')}, at end "
        f"{machine.load_average()}): seconds are of a busy machine; compare within a table. "
        f'"Before" is commit {f.before}, measured in the same run.',
    ]
    if getattr(f, "resumed", None):
        lines[0] += (
            f" Measured again later (`--resume`, at the load of that time): "
            f"{', '.join(f.resumed)}; a section's rows not measured again are the first run's."
        )
    for name, origin in getattr(f, "carried", {}).items():
        lines[0] += f" The {name} section is carried from an earlier run ({origin})."
    for table in TABLES:
        if getattr(f, table.field, None):  # an older run's figures lack newer fields
            lines += table.lines(f)
    return "\n".join(lines)


def write(out: Path, figures: Figures) -> None:
    old = out.read_text() if out.exists() else ""
    if not BULK_BLOCK.search(old):
        old = old.rstrip() + "\n\n" + EMPTY + "\n"
    out.write_text(replace_block(old, BLOCK_NAME, markdown(figures)))
