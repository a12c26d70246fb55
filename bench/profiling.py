"""Profiles of the dynamic-provider host: where a provider RPC spends its time.

`install_profiled_host(dir)` writes a `pulumi-resource-pulumi-python` that runs
`bench/profiled_host.py`; a project whose PATH starts with `dir` gets it instead
of the cached host (the engine takes the first one on PATH). `summarize()` reads
the per-call sessions back: time per RPC, and the functions with the most own
time, from pyinstrument's frame tree.
"""

from __future__ import annotations

import collections
import json
import os
import stat
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pyinstrument.session import Session

HOST_PLUGIN = "pulumi-resource-pulumi-python"
REPO = Path(__file__).resolve().parents[1]


def install_profiled_host(bin_dir: Path, profile_dir: Path, mode: str = "profile") -> None:
    """mode "profile": pyinstrument sessions; "cpu": each call's CPU time only."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    plugin = bin_dir / HOST_PLUGIN
    plugin.write_text(
        "#!/usr/bin/env bash\n"
        "# Benchmark only: the dynamic-provider host, profiled or CPU-timed.\n"
        f"export BENCH_PROFILE_DIR='{profile_dir}'\n"
        f"export BENCH_HOST_MODE='{mode}'\n"
        f"exec '{sys.executable}' -u '{REPO / 'bench' / 'profiled_host.py'}' \"$@\"\n"
    )
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@dataclass
class RpcProfile:
    durations: list[float] = field(default_factory=list)  # seconds inside the handler

    @property
    def calls(self) -> int:
        return len(self.durations)

    @property
    def mean_ms(self) -> float:
        return 1000 * statistics.mean(self.durations) if self.durations else 0.0

    @property
    def median_ms(self) -> float:
        return 1000 * statistics.median(self.durations) if self.durations else 0.0


@dataclass
class HostProfile:
    rpcs: dict[str, RpcProfile] = field(default_factory=dict)
    # (function, file:line) -> own seconds, over every call
    own_time: collections.Counter = field(default_factory=collections.Counter)
    # (function, file:line) -> seconds with it on the stack, over every call
    inclusive: collections.Counter = field(default_factory=collections.Counter)
    total: float = 0.0  # seconds in handlers, over every call

    def by_category(self) -> list[tuple[str, float]]:
        totals: collections.Counter = collections.Counter()
        for location, seconds in self.own_time.items():
            totals[category(location)] += seconds
        return totals.most_common()

    def top(self, count: int) -> list[tuple[str, float]]:
        return self.own_time.most_common(count)

    def top_inclusive(self, count: int, skip: tuple[str, ...] = ()) -> list[tuple[str, float]]:
        rows = [(k, v) for k, v in self.inclusive.most_common() if not k.startswith(skip)]
        return rows[:count]


def _location(frame) -> str:
    path = frame.file_path_short or frame.file_path or "?"
    marker = "site-packages/"
    if marker in path:
        path = path.split(marker, 1)[1]
    elif str(REPO) in path:
        path = os.path.relpath(path, REPO)
    name = f"{frame.class_name}.{frame.function}" if frame.class_name else frame.function
    return f"{name} ({path}:{frame.line_no})"


def _walk(frame, own: collections.Counter, inclusive: collections.Counter, path=()) -> None:
    if frame.is_synthetic:  # "[self]", "[await]": counted in the parent's total_self_time
        return
    location = _location(frame)
    if frame.total_self_time > 0:
        own[location] += frame.total_self_time
    if location not in path:  # recursion: count the outermost call only
        inclusive[location] += frame.time
    for child in frame.children:
        _walk(child, own, inclusive, (*path, location))


def summarize(profile_dir: Path) -> HostProfile:
    profile = HostProfile()
    for path in sorted(profile_dir.glob("*.json")):
        rpc = path.stem.rsplit("-", 1)[-1]
        session = Session.load(str(path))
        entry = profile.rpcs.setdefault(rpc, RpcProfile())
        entry.durations.append(session.duration)
        profile.total += session.duration
        root = session.root_frame()
        if root is not None:
            _walk(root, profile.own_time, profile.inclusive)
    return profile


@dataclass
class HostCpu:
    """One command's provider host(s), from `BENCH_HOST_MODE=cpu`: CPU seconds per RPC
    (the handler's thread only) and each process's CPU up to its last RPC."""

    per_rpc: dict[str, list[float]] = field(default_factory=dict)
    processes: float = 0.0

    @property
    def handlers(self) -> float:
        return sum(sum(values) for values in self.per_rpc.values())


def take_cpu(profile_dir: Path) -> HostCpu:
    """The records written since the last call (they are consumed: one command each)."""
    cpu = HostCpu()
    for path in sorted(profile_dir.glob("*.jsonl")):
        records = [json.loads(line) for line in path.read_text().splitlines() if line]
        path.unlink()
        for record in records:
            cpu.per_rpc.setdefault(record["rpc"], []).append(record["cpu"])
        cpu.processes += max((r["process_cpu"] for r in records), default=0.0)
    return cpu


# Own time by whose code it is: is the remainder in this provider or around it?
CATEGORIES = (
    ("this provider (provider/)", ("provider/",)),
    # The SDK's servicer runs a new asyncio event loop for every RPC.
    (
        "pulumi SDK (host, event loop per RPC, serialization)",
        ("pulumi/", "asyncio/", "selectors.py"),
    ),
    ("grpc + protobuf", ("grpc/", "google/protobuf", "grpc_")),
    ("HTTP client (requests, urllib3)", ("requests/", "urllib3/", "http/", "charset_normalizer")),
    ("socket and ssl (waiting for the API)", ("socket.py", "ssl.py")),
    # requests (trust_env) scans the whole environment for proxies on every request
    (
        "environment scan (requests' proxy lookup)",
        ("<frozen os>", "<frozen _collections_abc>", "urllib/request.py"),
    ),
    ("pydantic / deepdiff", ("pydantic", "deepdiff")),
)


# Own time that is no work of the handler's: a worker blocked on a lock while another
# thread unpickles the provider (the SDK's get_provider), builds the HTTP client or
# takes the inventory's one list; wall-clock samples count that wait as own time.
LOCK_WAITS = (
    "get_provider",
    "QuickBooksInstanceProvider.client",
    "Session.client",
    "Inventory._load",
)
START_UP = ("Unpickler.load", "compile", "_create_fn", "__build_class__", "loads", "exec")


def category(location: str) -> str:
    name, path = location.rsplit(" (", 1) if " (" in location else (location, "")
    if name in LOCK_WAITS:
        return "waiting for another worker (lock: start-up, first list)"
    if name.startswith(("socket.", "SSLSocket.", "epoll.", "poll.")):
        return "socket and ssl (waiting for the API)"
    if name in START_UP or path.startswith(("<frozen importlib", "dill/")):
        return "imports and unpickling (host start-up)"
    for name, prefixes in CATEGORIES:
        if any(path.startswith(p) or f"/{p}" in path for p in prefixes):
            return name
    return "python and other libraries"
