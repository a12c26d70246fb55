"""One benchmark run, section by section; every ratio is computed within the same run.

Sections (`--sections`, in this order; each one is written out as soon as it ends):
  * calls: one lifecycle of this provider per N, emulator at 0 ms: HTTP calls;
  * overhead: the null provider and this one (emulator at 0 ms) through the same
    lifecycle, operation by operation, alternating which goes first, `reps` times;
  * scale: this provider per N with the emulator at `--latency-ms` (default 250),
    beside its own and the null provider's time at 0 ms (measured here if the
    overhead section did not run); the chart is drawn from it;
  * sharding: at the largest N, K dynamic-provider hosts (explicit providers,
    `bench/programs/quickbooks_sharded.py`) against 1, at 0 ms and at the latency;
  * cpu: the provider host's own CPU per RPC and per operation (a CPU-timing host,
    no profiler), beside the emulator's; Check/Diff in-process; import costs;
  * profile: one lifecycle of each provider under pyinstrument, with the engine's
    own log for the timeline;
  * checkpoints: create and destroy with and without PULUMI_SKIP_CHECKPOINTS.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from harness.companies import companies_for
from harness.controls import Emulator
from harness.emulator import start_emulator
from harness.pulumi_stack import REPO

from . import machine, profiling, provider_cpu, rpc_costs, timeline
from .projects import BenchProject, NullProject, QuickBooksProject
from .results import (
    CALLS,
    NULL,
    OVERHEAD_OPS,
    QUICKBOOKS,
    SCALE_OPS,
    SHARDING_REPS,
    CpuRow,
    Results,
    scaled,
    sharded,
)

QUICK_SECTIONS = ("calls", "overhead", "scale", "cpu", "profile")
SMALL = 10  # sizes up to this get 5 repetitions in a full run, larger ones 3
# (provider hosts, --parallel): the engine's default --parallel (8 on 2 cores)
# already admits 2 hosts x 4 workers; 4 hosts need 16.
SHARDS = ((1, None), (2, None), (4, 16))


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class Bench:
    """What the sections share: emulators by latency, and projects by what they run."""

    def __init__(self, results: Results, work: Path, stack: contextlib.ExitStack) -> None:
        self.results = results
        self.work = work
        self._stack = stack
        self._emulators: dict[int, Emulator] = {}
        self._projects: dict[tuple[str, int, int], BenchProject] = {}

    def emulator(self, latency_ms: int) -> Emulator:
        if latency_ms not in self._emulators:
            # One authorized instance per company: every instance of the largest
            # project gets its own (projects run one after another, each destroyed).
            companies = ("--companies", str(companies_for(self.results.largest)))
            emu = start_emulator(latency_ms=latency_ms, extra_args=companies)
            self._emulators[latency_ms] = self._stack.enter_context(emu)
        return self._emulators[latency_ms]

    def quickbooks(self, size: int, latency_ms: int = 0, tag: str = "") -> QuickBooksProject:
        """One project per (size, latency, tag): a tag gives a section its own (the
        profiled sections change its PATH for good)."""
        key = (f"quickbooks{tag}", size, latency_ms)
        if key not in self._projects:
            workdir = self.work / f"quickbooks{tag}-{size}-{latency_ms}ms"
            self._projects[key] = QuickBooksProject(workdir, self.emulator(latency_ms), size)
        return self._projects[key]  # type: ignore[return-value]

    def null(self, size: int, tag: str = "") -> NullProject:
        key = (f"null{tag}", size, 0)
        if key not in self._projects:
            self._projects[key] = NullProject(self.work / f"null{tag}-{size}", size)
        return self._projects[key]  # type: ignore[return-value]


def run(
    sizes: list[int],
    *,
    quick: bool,
    sections: list[str] | None = None,
    reps: int | None = None,
    latency_ms: int = 250,
    on_section: Callable[[Results], None] = lambda _results: None,
) -> Results:
    started = time.monotonic()
    sizes = sorted(sizes)
    # Small N is cheap and noisier relative to its size: more repetitions there.
    default_reps = {size: 1 if quick else 5 if size <= SMALL else 3 for size in sizes}
    results = Results(sizes, quick, {s: reps or default_reps[s] for s in sizes}, latency_ms)
    # In the order asked for: the most wanted figures first, if a run may be cut short.
    results.sections = list(dict.fromkeys(sections or SECTIONS))
    results.machine = machine.describe()
    results.engine_parallel = machine.engine_default_parallel()
    with (
        tempfile.TemporaryDirectory(prefix="qbo-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        bench = Bench(results, Path(tmp), stack)
        for name in results.sections:
            log(f"section {name}")
            section_started = time.monotonic()
            SECTION_RUNNERS[name](bench)
            results.done.append(name)
            results.seconds = time.monotonic() - started
            log(f"section {name} took {time.monotonic() - section_started:.0f} s")
            on_section(results)
    results.machine["load average at end"] = machine.load_average()
    results.seconds = time.monotonic() - started
    return results


def lifecycle(
    results: Results,
    size: int,
    variant: str,
    project: BenchProject,
    operations: tuple[str, ...],
    reps: int | None = None,
) -> None:
    for _ in range(reps or results.reps[size]):
        project.prepare()
        for operation in operations:
            results.sample(size, variant, operation).add(project.run(operation))


def section_calls(bench: Bench) -> None:
    for size in bench.results.sizes:
        log(f"calls: N={size}")
        lifecycle(bench.results, size, CALLS, bench.quickbooks(size), OVERHEAD_OPS, reps=1)


def section_overhead(bench: Bench) -> None:
    results = bench.results
    for size in results.sizes:
        log(f"overhead: N={size}, {results.reps[size]} repetition(s)")
        null, ours = bench.null(size), bench.quickbooks(size)
        pair: list[tuple[str, BenchProject]] = [(NULL, null), (QUICKBOOKS, ours)]
        for rep in range(results.reps[size]):
            null.prepare()
            ours.prepare()
            for operation in OVERHEAD_OPS:
                for variant, project in pair if rep % 2 == 0 else pair[::-1]:
                    results.sample(size, variant, operation).add(project.run(operation))


def section_scale(bench: Bench) -> None:
    results = bench.results
    latency = results.latency_ms
    name = scaled(latency)
    results.variant_latency[name] = latency
    results.variant_shape[name] = (1, None)
    for size in results.sizes:
        for variant, project in ((NULL, bench.null(size)), (QUICKBOOKS, bench.quickbooks(size))):
            if (size, variant, "destroy") not in results.samples:
                log(f"scale: N={size}, {variant} at 0 ms (no overhead section to reuse)")
                lifecycle(results, size, variant, project, SCALE_OPS, reps=1)
        log(f"scale: N={size} at {latency} ms")
        # Quick: no preview at latency (it makes no API call).
        operations = SCALE_OPS[1:] if results.quick else SCALE_OPS
        lifecycle(results, size, name, bench.quickbooks(size, latency), operations)


def section_sharding(bench: Bench) -> None:
    results = bench.results
    size = results.largest
    reps = 1 if results.quick else SHARDING_REPS
    for latency in (0, results.latency_ms):
        project = bench.quickbooks(size, latency, tag="-sharded")
        for hosts, parallel in SHARDS:
            name = sharded(hosts, latency)
            log(f"sharding: N={size}, {name}")
            # One host: the repository's program (the default provider), as users run it.
            args = ("--parallel", str(parallel)) if parallel else ()
            project.use_program("quickbooks_sharded.py" if hosts > 1 else None, hosts, args)
            results.sharding_variants.append(name)
            results.variant_latency[name] = latency
            results.variant_shape[name] = (hosts, parallel)
            lifecycle(results, size, name, project, SCALE_OPS[1:], reps=reps)
        project.use_program(None)


def section_cpu(bench: Bench) -> None:
    results = bench.results
    results.imports = import_costs(1 if results.quick else 7)
    results.rpc_costs = (
        rpc_costs.measure(rounds=2, calls=50) if results.quick else rpc_costs.measure()
    )
    size = results.cpu_size = results.largest
    log(f"cpu: N={size}, provider methods in-process")
    emu = bench.emulator(0)
    results.method_cpu = provider_cpu.measure(emu, size)
    results.method_profile = provider_cpu.measure(emu, size, profile=True)
    for name, project in (
        (NULL, bench.null(size, "-cpu")),
        (QUICKBOOKS, bench.quickbooks(size, tag="-cpu")),
    ):
        log(f"cpu: N={size}, {name}")
        records = bench.work / f"cpu-{name.replace(' ', '-')}"
        profiling.install_profiled_host(records / "bin", records, mode="cpu")
        project.use_path_first(records / "bin")
        project.prepare()
        for operation in OVERHEAD_OPS:
            timing = project.run(operation)
            host = profiling.take_cpu(records)
            results.cpu_rows.append(
                CpuRow(name, operation, host, timing.cpu, timing.emulator_cpu, timing.calls)
            )


def section_profile(bench: Bench) -> None:
    results = bench.results
    size = results.largest
    latency = results.latency_ms
    plan: list[tuple[str, BenchProject, tuple[str, ...]]] = [
        (QUICKBOOKS, bench.quickbooks(size, tag="-profile"), ("create",))
    ]
    if not results.quick:
        plan = [
            (NULL, bench.null(size, "-profile"), OVERHEAD_OPS),
            (QUICKBOOKS, bench.quickbooks(size, tag="-profile"), OVERHEAD_OPS),
            (scaled(latency), bench.quickbooks(size, latency, tag="-profile"), SCALE_OPS),
        ]
    for name, project, operations in plan:
        log(f"profile: N={size}, {name}")
        sessions = bench.work / f"sessions-{len(results.profiles)}"
        profiling.install_profiled_host(sessions / "bin", sessions)
        project.use_path_first(sessions / "bin")
        project.prepare()
        for operation in operations:
            timing = project.run(operation, *timeline.ENGINE_LOG_ARGS)
            results.timelines[(name, operation)] = timeline.parse(timing.stderr)
        results.profiles[name] = profiling.summarize(sessions)


def section_checkpoints(bench: Bench) -> None:
    results = bench.results
    size = results.largest
    for name, project in ((NULL, bench.null(size)), (QUICKBOOKS, bench.quickbooks(size))):
        log(f"checkpoints: N={size}, {name}")
        for skip in (False, True):
            project.stack.env["PULUMI_SKIP_CHECKPOINTS"] = "true" if skip else ""
            project.prepare()
            for operation in ("create", "destroy"):
                wall = project.run(operation).wall
                results.checkpoints[(name, operation, skip)] = wall
                if operation == "create" and not skip:
                    results.state_bytes[name] = state_bytes_per_resource(project)
        project.stack.env["PULUMI_SKIP_CHECKPOINTS"] = ""


SECTION_RUNNERS: dict[str, Callable[[Bench], None]] = {
    "calls": section_calls,
    "overhead": section_overhead,
    "scale": section_scale,
    "sharding": section_sharding,
    "cpu": section_cpu,
    "profile": section_profile,
    "checkpoints": section_checkpoints,
}
# The names `--sections` takes, in the order a full run measures them.
SECTIONS = tuple(SECTION_RUNNERS)


def state_bytes_per_resource(project: BenchProject) -> int:
    resources = project.stack.export()["deployment"]["resources"]
    dynamic = [r for r in resources if r["type"].startswith("pulumi-python:dynamic")]
    return round(sum(len(json.dumps(r)) for r in dynamic) / max(1, len(dynamic)))


def import_costs(runs: int) -> dict[str, float]:
    """Median seconds for a fresh python to import each provider module: paid once by
    the program and once by the provider host in every `pulumi` command."""

    def median(statement: str) -> float:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", statement], cwd=REPO, check=True)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    return {
        "python + pulumi.dynamic": median("import pulumi.dynamic"),
        "python + bench.null_provider": median("import bench.null_provider"),
        "python + provider": median("import provider"),
    }
