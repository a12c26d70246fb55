"""The "Bulk runs" block of bench/RESULTS.md, from a run's `Figures` (bench/bulk.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from provider.docs import replace_block

from . import machine
from .native import BULK_BLOCK

if TYPE_CHECKING:
    from .bulk import Figures

BLOCK_NAME = "bench:bulk"
OPS = ("create", "update all", "destroy")


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
    if f.start:
        lines += [
            "",
            "**Plugin start**: seconds from starting it to the port on its first line (what "
            "the engine waits for; goal <= 0.15 s), to its first answer (GetPluginInfo), and "
            "to an answer of the provider itself (CheckConfig); medians, and the fastest.",
            "",
            "| code | port | port, fastest | first answer | provider loaded |",
            "|---|---|---|---|---|",
            *(
                f"| {code} | {v['port']:.3f} s | {v.get('port, fastest', 0):.3f} s | "
                f"{v['first answer']:.3f} s | {v.get('provider loaded', 0):.3f} s |"
                for code, v in f.start.items()
            ),
        ]
    if f.noop:
        lines += [
            "",
            "**No-op `up` of a YAML program on the plugin** (medians; goal: 10 instances "
            "within 0.3 s of none).",
            "",
            "| code | no instances | 10 instances | difference |",
            "|---|---|---|---|",
        ]
        for code, v in f.noop.items():
            empty, ten = v["0 instances"], v["10 instances"]
            lines.append(f"| {code} | {empty:.2f} s | {ten:.2f} s | {ten - empty:+.2f} s |")
    if f.state:
        lines += [
            "",
            "**State per resource** after a create (goal: <= 5 kB on the plugin): bytes "
            "of `pulumi stack export` and of the backend's state file, divided by N.",
            "",
            "| column | exported | state file |",
            "|---|---|---|",
            *(
                f"| {name} | {v['exported']:,.0f} | {v['state file']:,.0f} |"
                for name, v in f.state.items()
            ),
        ]
    if f.kill:
        lines += [
            "",
            "**Killed bulk runs** (`harness/bulk.py`, checked at every step): `kill -9` of "
            "`pulumi` half-way through a create, update-all and destroy at `--parallel 32` "
            "without checkpoints, each recovered by the plain command.",
            "",
            "| front-end | N | killed at (create, update, destroy) | recovery calls | "
            "whole lifecycle | result |",
            "|---|---|---|---|---|---|",
        ]
        for name, report in f.kill.items():
            killed = ", ".join(
                str(report.killed_at[s]) for s in ("create", "update all", "destroy")
            )
            calls = "; ".join(
                f"{step}: " + " + ".join(f"{n} {m}" for m, n in sorted(c.items()))
                for step, c in report.calls.items()
            )
            total = report.seconds["whole lifecycle"]
            count = sum(report.calls["update all"].values())
            lines.append(
                f"| {name} | {count} | {killed} | {calls} | {total:.0f} s | exactly the "
                "declared instances after each recovery |"
            )
    if f.stress:
        names = sorted({k[0] for k in f.stress})
        lines += [
            "",
            "**Stress** at `--parallel 32`, each lifecycle checked (exactly the declared "
            "instances after create and update-all, none after destroy); seconds of each "
            "repetition.",
            "",
            "| front-end | mode | " + " | ".join(OPS) + " |",
            "|---|---|" + "---|" * len(OPS),
        ]
        for name in names:
            for mode in ("checkpoints", "bulk"):
                cells = [
                    ", ".join(f"{w:.1f}" for w in f.stress.get((name, mode, op), [])) for op in OPS
                ]
                lines.append(f"| {name} | {mode} | " + " | ".join(cells) + " |")
    if f.growth:
        sizes = sorted({n for _, n, _ in f.growth})
        base = sizes[0]
        lines += [
            "",
            "**Growth** on the plugin: seconds per N; checkpoints = the engine's defaults; "
            "bulk = `PULUMI_SKIP_CHECKPOINTS=true --parallel 32`. Goal in the bulk mode: "
            f"at most x3.5 from {base} to 300 and x12 to 1,000.",
            "",
            "| mode | operation | "
            + " | ".join(f"N = {n}" for n in sizes)
            + " | "
            + " | ".join(f"x {n}/{base}" for n in sizes[1:])
            + " |",
            "|---|---|" + "---|" * (2 * len(sizes) - 1),
        ]
        for mode in ("checkpoints", "bulk"):
            for op in OPS:
                walls = [f.growth.get((mode, n, op)) for n in sizes]
                first = walls[0]
                cells = [f"{w:.1f} s" if w is not None else "-" for w in walls]
                ratios = [f"x{w / first:.1f}" if w and first else "-" for w in walls[1:]]
                lines.append(f"| {mode} | {op} | " + " | ".join(cells + ratios) + " |")
    return "\n".join(lines)


EMPTY = (
    "## Bulk runs\n\n<!-- bench:bulk -->\nnot measured yet: run `python -m bench.bulk`\n"
    "<!-- /bench:bulk -->"
)


def write(out: Path, figures: Figures) -> None:
    old = out.read_text() if out.exists() else ""
    if not BULK_BLOCK.search(old):
        old = old.rstrip() + "\n\n" + EMPTY + "\n"
    out.write_text(replace_block(old, BLOCK_NAME, markdown(figures)))
