"""One benchmark run: every figure of `bench/RESULTS.md`, measured within the same run.

Per size N:
  * overhead: the null provider and the QuickBooks provider (emulator at 0 ms)
    through the same lifecycle, operation by operation, alternating which goes
    first, `reps` times; API calls are counted from the emulator's request log;
  * scale: the QuickBooks provider against an emulator with `--latency-ms`.
At the largest N only:
  * concurrency: the same scale lifecycle with more provider processes and/or a
    higher `--parallel`;
  * profile: one lifecycle of each provider under the profiled host, with the
    engine's own log for the timeline.
"""

from __future__ import annotations

import contextlib
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from emulator.harness import start_emulator
from harness.pulumi_stack import REPO, pulumi_bin_dir

from . import profiling, rpc_costs, timeline
from .projects import BenchProject, NullProject, QuickBooksProject, Timing

OVERHEAD_OPS = ("preview", "create", "no-op up", "refresh", "update one", "destroy")
SCALE_OPS = ("preview", "create", "refresh", "destroy")
NULL = "null provider"
QUICKBOOKS = "quickbooks"
SCALED = "quickbooks, latency"
BASELINE = "1 host (default provider), default --parallel"
SMALL = 10  # sizes up to this get 5 repetitions in a full run, larger ones 3


@dataclass(frozen=True)
class Variant:
    """A way of running the QuickBooks program with more concurrency."""

    name: str
    program: str | None = None  # a file of bench/programs/, or the repository's program
    providers: int = 1
    parallel: int | None = None

    @property
    def args(self) -> tuple[str, ...]:
        return ("--parallel", str(self.parallel)) if self.parallel else ()


CONCURRENCY_VARIANTS = (
    Variant("1 host (default provider), --parallel 32", parallel=32),
    Variant("2 hosts (2 explicit providers), default --parallel", "quickbooks_sharded.py", 2),
    Variant("4 hosts (4 explicit providers), --parallel 32", "quickbooks_sharded.py", 4, 32),
)
HIGH_LATENCY_VARIANTS = (Variant(BASELINE), CONCURRENCY_VARIANTS[1], CONCURRENCY_VARIANTS[2])
HIGH_LATENCY_REPS = 2


@dataclass
class Sample:
    """One operation of one variant at one size, over the repetitions."""

    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    calls: list[Counter] = field(default_factory=list)
    api_seconds: list[float] = field(default_factory=list)
    emulator_cpus: list[float] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def api(self) -> float | None:
        return statistics.median(self.api_seconds) if self.api_seconds else None

    @property
    def emulator_cpu(self) -> float | None:
        return statistics.median(self.emulator_cpus) if self.emulator_cpus else None

    def add(self, timing: Timing) -> None:
        self.walls.append(timing.wall)
        self.cpus.append(timing.cpu)
        if timing.calls is not None:
            self.calls.append(timing.calls)
        if timing.api_seconds is not None:
            self.api_seconds.append(timing.api_seconds)
        if timing.emulator_cpu is not None:
            self.emulator_cpus.append(timing.emulator_cpu)


@dataclass
class Results:
    sizes: list[int]
    quick: bool
    reps: dict[int, int]  # size -> repetitions
    latency_ms: int
    machine: dict[str, str] = field(default_factory=dict)
    engine_parallel: int | None = None
    samples: dict[tuple[int, str, str], Sample] = field(default_factory=dict)
    concurrency_variants: list[str] = field(default_factory=list)
    high_latency_variants: list[str] = field(default_factory=list)
    high_latency_ms: int = 0
    # variant -> emulator latency (ms), and (provider hosts, --parallel or None)
    variant_latency: dict[str, int] = field(default_factory=dict)
    variant_shape: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    rpc_costs: dict[str, dict[str, float]] = field(default_factory=dict)
    profiles: dict[str, profiling.HostProfile] = field(default_factory=dict)
    timelines: dict[tuple[str, str], timeline.Timeline] = field(default_factory=dict)
    imports: dict[str, float] = field(default_factory=dict)
    # (provider, operation, PULUMI_SKIP_CHECKPOINTS) -> wall seconds
    checkpoints: dict[tuple[str, str, bool], float] = field(default_factory=dict)
    state_bytes: dict[str, int] = field(default_factory=dict)  # per resource, in the state
    seconds: float = 0.0

    def sample(self, size: int, variant: str, operation: str) -> Sample:
        return self.samples.setdefault((size, variant, operation), Sample())


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(
    sizes: list[int],
    *,
    quick: bool,
    reps: int | None = None,
    latency_ms: int = 50,
    profile: bool = True,
    high_latency_ms: int = 250,
) -> Results:
    started = time.monotonic()
    sizes = sorted(sizes)
    # Small N is cheap and noisier relative to its size: more repetitions there.
    default_reps = {size: 1 if quick else 5 if size <= SMALL else 3 for size in sizes}
    results = Results(sizes, quick, {s: reps or default_reps[s] for s in sizes}, latency_ms)
    results.machine = machine()
    results.engine_parallel = engine_default_parallel()
    results.imports = import_costs(1 if quick else 7)
    results.rpc_costs = rpc_costs.measure(rounds=2, calls=50) if quick else rpc_costs.measure()
    results.variant_latency[SCALED] = latency_ms
    results.variant_shape[SCALED] = (1, None)
    largest = results.sizes[-1]
    with (
        tempfile.TemporaryDirectory(prefix="qbo-bench-") as tmp,
        start_emulator() as fast,
        start_emulator(latency_ms=latency_ms) as slow,
        contextlib.ExitStack() as later,
    ):
        work = Path(tmp)
        projects: dict[str, Any] = {}
        for size in results.sizes:
            log(f"N={size}: overhead (emulator at 0 ms), {results.reps[size]} repetition(s)")
            null = NullProject(work / f"null-{size}", size)
            ours = QuickBooksProject(work / f"quickbooks-{size}", fast, size)
            pair: list[tuple[str, BenchProject]] = [(NULL, null), (QUICKBOOKS, ours)]
            for rep in range(results.reps[size]):
                null.prepare()
                ours.prepare()
                for operation in OVERHEAD_OPS:
                    for variant, project in pair if rep % 2 == 0 else pair[::-1]:
                        results.sample(size, variant, operation).add(project.run(operation))
            log(f"N={size}: scale (emulator at {latency_ms} ms)")
            scaled = QuickBooksProject(work / f"scaled-{size}", slow, size)
            # Quick: no preview at latency (it makes no API call; section 2 times it).
            lifecycle(results, size, SCALED, scaled, SCALE_OPS[1:] if quick else SCALE_OPS)
            projects: dict[str, Any] = {NULL: null, QUICKBOOKS: ours, SCALED: scaled}

        # Quick: one variant, one create (enough to keep the code working).
        variants = CONCURRENCY_VARIANTS[1:2] if quick else CONCURRENCY_VARIANTS
        for variant in variants:
            log(f"N={largest}: concurrency variant: {variant.name}")
            project = projects[SCALED]
            project.use_program(variant.program, variant.providers, variant.args)
            results.concurrency_variants.append(variant.name)
            results.variant_latency[variant.name] = latency_ms
            results.variant_shape[variant.name] = (variant.providers, variant.parallel)
            operations = ("create",) if quick else SCALE_OPS
            lifecycle(results, largest, variant.name, project, operations)
        if variants:
            projects[SCALED].use_program(None)

        if not quick:
            # Where the API's latency, not the CPU, is what a resource waits for.
            results.high_latency_ms = high_latency_ms
            slower = later.enter_context(start_emulator(latency_ms=high_latency_ms))
            project = QuickBooksProject(work / "high-latency", slower, largest)
            for variant in HIGH_LATENCY_VARIANTS:
                name = f"{variant.name}, {high_latency_ms} ms"
                log(f"N={largest}: {name}")
                project.use_program(variant.program, variant.providers, variant.args)
                results.high_latency_variants.append(name)
                results.variant_latency[name] = high_latency_ms
                results.variant_shape[name] = (variant.providers, variant.parallel)
                for _ in range(HIGH_LATENCY_REPS):
                    project.prepare()
                    for operation in SCALE_OPS[1:]:
                        results.sample(largest, name, operation).add(project.run(operation))

        if not quick:
            log(f"N={largest}: checkpoint cost (PULUMI_SKIP_CHECKPOINTS)")
            for name in (NULL, QUICKBOOKS):
                project = projects[name]
                for skip in (False, True):
                    project.stack.env["PULUMI_SKIP_CHECKPOINTS"] = "true" if skip else ""
                    project.prepare()
                    for operation in ("create", "destroy"):
                        wall = project.run(operation).wall
                        results.checkpoints[(name, operation, skip)] = wall
                        if operation == "create" and not skip:
                            results.state_bytes[name] = state_bytes_per_resource(project)
                project.stack.env["PULUMI_SKIP_CHECKPOINTS"] = ""

        if profile:
            log(f"N={largest}: profiles of the provider host, engine timelines")
            plan = [(QUICKBOOKS, ("create",))]
            if not quick:
                plan = [(NULL, OVERHEAD_OPS), (QUICKBOOKS, OVERHEAD_OPS), (SCALED, SCALE_OPS)]
            for name, operations in plan:
                project = projects[name]  # their last use: the PATH change stays
                sessions = work / f"sessions-{len(results.profiles)}"
                profiling.install_profiled_host(sessions / "bin", sessions)
                project.use_path_first(sessions / "bin")
                project.prepare()
                for operation in operations:
                    timing = project.run(operation, *timeline.ENGINE_LOG_ARGS)
                    results.timelines[(name, operation)] = timeline.parse(timing.stderr)
                results.profiles[name] = profiling.summarize(sessions)
    results.seconds = time.monotonic() - started
    results.machine["load average at end"] = _load_average()
    return results


def lifecycle(
    results: Results,
    size: int,
    variant: str,
    project: BenchProject,
    operations: tuple[str, ...],
) -> None:
    for _ in range(results.reps[size]):
        project.prepare()
        for operation in operations:
            results.sample(size, variant, operation).add(project.run(operation))


def state_bytes_per_resource(project: BenchProject) -> int:
    resources = project.stack.export()["deployment"]["resources"]
    dynamic = [r for r in resources if r["type"].startswith("pulumi-python:dynamic")]
    return round(sum(len(json.dumps(r)) for r in dynamic) / max(1, len(dynamic)))


def machine() -> dict[str, str]:
    def first_line(command: list[str]) -> str:
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=60)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "unknown"

    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total_kb = re.search(r"MemTotal:\s+(\d+)", meminfo)
    bin_dir = pulumi_bin_dir()
    commit = first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "provider", "emulator", "bench"]
        + ["__main__.py", "tests/pulumi_stack.py", ":!bench/RESULTS.md"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" + uncommitted changes" if dirty else ""),
        "nproc": first_line(["nproc"]),
        "memory": f"{int(total_kb[1]) / 1024 / 1024:.1f} GiB" if total_kb else "unknown",
        "cpu": _cpu_model(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "pulumi CLI": first_line([f"{bin_dir}/pulumi", "version"]),
        "pulumi SDK": metadata.version("pulumi"),
        "load average at start": _load_average(),
    }


def _load_average() -> str:
    loadavg = Path("/proc/loadavg")
    return " ".join(loadavg.read_text().split()[:3]) if loadavg.exists() else "unknown"


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        if found:
            return found[1].strip()
    return platform.processor() or "unknown"


def engine_default_parallel() -> int | None:
    """The engine's default `--parallel` on this machine (it depends on the CPU count)."""
    help_text = subprocess.run(
        [f"{pulumi_bin_dir()}/pulumi", "up", "--help"],
        capture_output=True,
        text=True,
        env={"PULUMI_SKIP_UPDATE_CHECK": "true", "PATH": "/usr/bin:/bin"},
        timeout=60,
    ).stdout
    found = re.search(r"--parallel int32 .*\(default (\d+)\)", help_text)
    return int(found[1]) if found else None


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
