"""`python -m bench.bulk`: the fixed cost of a command, the state per resource, and bulk
runs (`PULUMI_SKIP_CHECKPOINTS=true`) that grow linearly, proven safe at N = 300.

Sections (`--sections`, in this order; RESULTS.md's "Bulk runs" block is rewritten
after each one, so a run cut short keeps what it finished):

  * start: the plugin from its start to the port on its first line (what the engine
    waits for), and to its first answer, median of `--start-reps`; "before" is the
    `--before` commit's code (default: main), from a `git archive` of it, on the same
    interpreter, in the same run;
  * noop: a YAML program's no-op `up` on the plugin, 10 instances against none,
    before and after (each commit's package pip-installed into a fresh virtualenv);
  * state: bytes per resource after a create of N = 100, for each column (the null
    dynamic provider, the dynamic resource, the plugin, and the plugin before): the
    exported state and the backend's state file;
  * kill: `harness.bulk`'s interrupted lifecycle at `--kill-size` (300) on both
    front-ends: `kill -9` of `pulumi` half-way through a bulk create, update-all and
    destroy, each recovered by the plain command, checked;
  * stress: `--stress-size` (300) at `--parallel 32`: create, update-all, destroy on
    both front-ends, with and without checkpoints, `--repeat` times, each ending with
    exactly the declared instances;
  * growth: the plugin's create, update-all and destroy, from a YAML program (a
    Python one's config stops near 500 instances: bench/yaml_project.py), at each
    of `--sizes` (100, 300, 1000) in the bulk mode (no checkpoints, `--parallel
    32`) and at `--checkpoint-sizes` in the default mode (checkpoints, the engine's
    default `--parallel`);
  * latency: the plugin's create, update-all and destroy of `--latency-size` (100)
    instances from the YAML program, the API at `--latency-ms` (250), each step
    checked, at the engine's default `--parallel`, at `--parallel 32`, and at
    `--parallel 32` with `quickbooks:maxConcurrency: 4` (the engine's checkpoints on),
    and at `--parallel 32` without checkpoints; beside each, the bound
    N x latency / concurrency (min(--parallel, maxConcurrency when set)).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.native import install_package
from harness.pulumi_stack import REPO

from . import machine, options
from .bulk_report import markdown, write
from .bulk_sections import (
    checkout,
    install_tree,
    section_growth,
    section_kill,
    section_latency,
    section_noop,
    section_start,
    section_state,
    section_stress,
)
from .runner import log

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


@dataclass
class Figures:
    machine: dict[str, str] = field(default_factory=dict)
    before: str = ""
    start: dict[str, dict[str, float]] = field(default_factory=dict)  # code -> what -> s
    noop: dict[str, dict[str, float]] = field(default_factory=dict)  # code -> program -> s
    state: dict[str, dict[str, float]] = field(default_factory=dict)  # column -> kind -> bytes
    kill: dict[str, Any] = field(default_factory=dict)  # front-end -> harness.bulk.Report
    stress: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    growth: dict[tuple[str, int, str], float] = field(default_factory=dict)  # mode, N, op
    latency: dict[str, dict[str, float]] = field(default_factory=dict)  # run -> N, op... -> s
    sizes: list[int] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)  # sections measured again, later
    carried: dict[str, str] = field(default_factory=dict)  # section -> the run it is from
    seconds: float = 0.0


SECTIONS = ("start", "noop", "state", "growth", "latency", "kill", "stress")


def carry_sections(figures: Figures, carry: str, parser: argparse.ArgumentParser) -> None:
    """`--carry SECTIONS:SAVED`: the sections' figures of an earlier run (a file this
    command wrote itself: pickle runs code), and where they come from."""
    names, _, saved = carry.partition(":")
    wanted = [n for n in names.split(",") if n]
    if not saved or not wanted or set(wanted) - set(SECTIONS):
        parser.error(f"--carry {carry!r}: give SECTIONS:SAVED, sections from {','.join(SECTIONS)}")
    earlier = pickle.loads(Path(saved).read_bytes())
    for name in wanted:
        setattr(figures, name, getattr(earlier, name))
        origin = f"commit {earlier.machine.get('commit', '?')}, {earlier.machine.get('date', '?')}"
        figures.carried[name] = origin


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bulk", description=__doc__)
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--sizes", default="100,300,1000")
    parser.add_argument(
        "--checkpoint-sizes", help="sizes the default mode runs at (default: --sizes)"
    )
    parser.add_argument("--kill-size", type=int, default=300)
    parser.add_argument("--stress-size", type=int, default=300)
    parser.add_argument("--state-size", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--latency-size", type=int, default=100)
    parser.add_argument("--latency-ms", type=int, default=250)
    parser.add_argument("--start-reps", type=int, default=15)
    parser.add_argument("--noop-reps", type=int, default=5)
    parser.add_argument("--before", default="main", help="the commit measured as before")
    parser.add_argument("--out", type=Path, default=RESULTS)
    options.add_saved(
        parser,
        "qbo-bench-bulk.pickle",
        "each section's figures are kept here (default: %(default)s)",
        "--resume",
        "start from the figures in --saved: the sections run now replace theirs",
    )
    parser.add_argument(
        "--carry",
        action="append",
        default=[],
        metavar="SECTIONS:SAVED",
        help="copy these sections' figures from an earlier run's --saved file (e.g. "
        "kill,stress:/tmp/old.pickle), named in the report with that run's commit and date",
    )
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {','.join(SECTIONS)}")
    figures = Figures(machine=machine.describe(), before=args.before)
    if args.resume:  # only ever a file this command wrote itself (pickle runs code)
        figures = pickle.loads(args.saved.read_bytes())
        figures.resumed = [*getattr(figures, "resumed", []), *sections]
        figures.before = args.before  # what the sections run now compare against
    for carry in args.carry:
        carry_sections(figures, carry, parser)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="qbo-bench-bulk-") as tmp:
        work = Path(tmp)
        before = checkout(args.before, work / "before")
        venvs: dict[str, Path] = {}

        def venv(code: str) -> Path:
            if code not in venvs:
                log(f"installing the package ({code}) into a fresh virtualenv")
                tree = REPO if code == "after" else before
                root = work / f"venv-{code}"
                root.mkdir()
                venvs[code] = install_package(root) if code == "after" else install_tree(tree, root)
            return venvs[code]

        runners: dict[str, Callable[[], None]] = {
            "start": lambda: section_start(
                figures, {"before": before, "after": REPO}, args.start_reps
            ),
            "noop": lambda: section_noop(
                figures, work, {"before": venv("before"), "after": venv("after")}, args.noop_reps
            ),
            "state": lambda: section_state(
                figures, work, {"before": venv("before"), "after": venv("after")}, args.state_size
            ),
            "latency": lambda: section_latency(
                figures, work, venv("after"), args.latency_size, args.latency_ms
            ),
            "kill": lambda: section_kill(figures, work, venv("after"), args.kill_size),
            "stress": lambda: section_stress(
                figures, work, venv("after"), args.stress_size, args.repeat
            ),
            "growth": lambda: section_growth(
                figures,
                work,
                venv("after"),
                [int(n) for n in args.sizes.split(",")],
                [int(n) for n in (args.checkpoint_sizes or args.sizes).split(",")],
            ),
        }
        for name in sections:
            log(f"section {name}")
            runners[name]()
            figures.done = [*(d for d in figures.done if d.split(" ")[0] != name), name]
            figures.seconds += time.monotonic() - started
            started = time.monotonic()
            args.saved.write_bytes(pickle.dumps(figures))
            write(args.out, figures)
            log(f"wrote {args.out} ({', '.join(figures.done)})")
    if not sections:  # only carried figures: written all the same
        write(args.out, figures)
    print(markdown(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
