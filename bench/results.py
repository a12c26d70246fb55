"""The figures of one run: per (N, variant, operation) the samples over its repetitions,
and what the CPU, profile and checkpoint sections found. The report reads only these."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from . import profiling, provider_cpu, timeline
from .projects import Timing

OVERHEAD_OPS = ("preview", "create", "no-op up", "refresh", "update one", "destroy")
SCALE_OPS = ("preview", "create", "refresh", "destroy")
NULL = "null provider"
QUICKBOOKS = "quickbooks"
CALLS = "quickbooks, calls"
SHARDING_REPS = 2  # repetitions of the sharding section in a full run


def scaled(latency_ms: int) -> str:
    return f"quickbooks, {latency_ms} ms"


def sharded(hosts: int, latency_ms: int) -> str:
    return f"{hosts} host{'s' if hosts > 1 else ''}, {latency_ms} ms"


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
class CpuRow:
    """One operation through the CPU-timing host."""

    provider: str
    operation: str
    host: profiling.HostCpu
    command_cpu: float  # the whole command: CLI, engine, language host, program, host
    emulator_cpu: float | None
    calls: Counter | None


@dataclass
class Results:
    sizes: list[int]
    quick: bool
    reps: dict[int, int]  # size -> repetitions
    latency_ms: int
    sections: list[str] = field(default_factory=list)  # requested, in run order
    done: list[str] = field(default_factory=list)  # measured so far
    machine: dict[str, str] = field(default_factory=dict)
    engine_parallel: int | None = None
    samples: dict[tuple[int, str, str], Sample] = field(default_factory=dict)
    # variant -> emulator latency (ms), and (provider hosts, --parallel or None)
    variant_latency: dict[str, int] = field(default_factory=dict)
    variant_shape: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    sharding_variants: list[str] = field(default_factory=list)
    rpc_costs: dict[str, dict[str, float]] = field(default_factory=dict)
    cpu_rows: list[CpuRow] = field(default_factory=list)
    # in-process, no engine: plain CPU per step, then the same steps under cProfile
    method_cpu: dict[str, provider_cpu.OperationCpu] = field(default_factory=dict)
    method_profile: dict[str, provider_cpu.OperationCpu] = field(default_factory=dict)
    cpu_size: int = 0
    profiles: dict[str, profiling.HostProfile] = field(default_factory=dict)
    timelines: dict[tuple[str, str], timeline.Timeline] = field(default_factory=dict)
    imports: dict[str, float] = field(default_factory=dict)
    # (provider, operation, PULUMI_SKIP_CHECKPOINTS) -> wall seconds
    checkpoints: dict[tuple[str, str, bool], float] = field(default_factory=dict)
    state_bytes: dict[str, int] = field(default_factory=dict)  # per resource, in the state
    seconds: float = 0.0

    @property
    def largest(self) -> int:
        return self.sizes[-1]

    def sample(self, size: int, variant: str, operation: str) -> Sample:
        return self.samples.setdefault((size, variant, operation), Sample())
