"""The provider's own CPU per operation, in-process, with a function profile.

The provider object is called as the dynamic-provider host calls it (check,
diff, create, read, update, delete), against an emulator in its own process, so
the CPU measured here (this thread's) is the provider's and its HTTP client's,
never the emulator's, the engine's or the SDK's gRPC host. Each lifecycle step
runs over `count` instances with a fresh inventory (a new command is a new
provider process). cProfile with a thread-CPU timer says in which functions,
grouped by whose code they are.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi.runtime import rpc

from harness.accounts import EVENTS_URL, configured_provider, new_app, provider_config
from harness.companies import generated_company
from harness.controls import Emulator
from harness.pulumi_stack import REPO

from .profiling import category

OPERATIONS = ("check", "diff", "create", "read", "update", "delete")
OWNER = "pulumi:quickbooks-instances:bench:"


@dataclass
class OperationCpu:
    calls: int = 0
    cpu: float = 0.0  # seconds on this thread, over every call
    emulator_cpu: float = 0.0  # seconds of the emulator process meanwhile
    api_calls: int = 0
    by_category: Counter = field(default_factory=Counter)  # own CPU seconds
    top: list[tuple[str, float]] = field(default_factory=list)  # (function, own seconds)

    @property
    def ms(self) -> float:
        return 1000 * self.cpu / self.calls if self.calls else 0.0


def _process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _where(file: str, line: int, name: str) -> str:
    marker = "site-packages/"
    if marker in file:
        file = file.split(marker, 1)[1]
    elif file.startswith(str(REPO)):
        file = os.path.relpath(file, REPO)
    return f"{name} ({file}:{line})"


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    # The host hands the provider plain values (it does not accept secrets).
    return {k: rpc.unwrap_rpc_secret(v) for k, v in values.items()}


def measure(
    emu: Emulator, count: int = 100, *, profile: bool = False, top: int = 12
) -> dict[str, OperationCpu]:
    """CPU per step; with `profile`, also where it goes (cProfile inflates the totals,
    so the figures to quote come from a run without it)."""
    app = new_app()
    config = provider_config(emu, app)
    provider = configured_provider(config)
    raws = []
    for index in range(count):
        granted = emu.grant(
            app.api_key, app.api_secret, app.callback_url, realm_id=generated_company(index)
        )
        raws.append(
            {
                "name": f"Bench {index}",
                "ownership_tag": f"{OWNER}i{index:03d}",
                "callback_url": EVENTS_URL,
                "tags": ["env:bench"],
                "poll_interval_minutes": 5,
                "oauth": {"code": granted["code"], "realm_id": granted["realmId"]},
            }
        )
    state: dict[str, Any] = {"checked": [], "outputs": []}

    def check(i: int) -> None:
        state["checked"].append(_plain(provider.check({}, raws[i]).inputs))

    def create(i: int) -> None:
        result = provider.create(state["checked"][i])
        state["outputs"].append((str(result.id), _plain(result.outs)))

    def diff(i: int) -> None:
        id_, outs = state["outputs"][i]
        provider.diff(id_, outs, state["checked"][i])

    def read(i: int) -> None:
        id_, outs = state["outputs"][i]
        provider.read(id_, outs)

    def update(i: int) -> None:
        id_, outs = state["outputs"][i]
        changed = {**state["checked"][i], "callback_url": f"{EVENTS_URL}/{i}"}
        provider.update(id_, outs, changed)

    def delete(i: int) -> None:
        id_, outs = state["outputs"][i]
        provider.delete(id_, outs)

    steps = {"check": check, "create": create, "diff": diff, "read": read}
    steps |= {"update": update, "delete": delete}
    results: dict[str, OperationCpu] = {}
    for name in ("check", "create", "diff", "read", "update", "delete"):
        # A new command is a new provider process: a new provider, inventory and client;
        # the client is built before the step (once per process, not per call).
        provider = configured_provider(config)
        provider.client()
        emu.clear_requests()
        emulator_before = _process_cpu(emu.process.pid)
        profiler = cProfile.Profile(time.thread_time) if profile else None
        started = time.thread_time()
        if profiler:
            profiler.enable()
        for i in range(count):
            steps[name](i)
        if profiler:
            profiler.disable()
        cpu = time.thread_time() - started
        entry = results[name] = OperationCpu(count, cpu)
        entry.emulator_cpu = _process_cpu(emu.process.pid) - emulator_before
        entry.api_calls = len(emu.requests())
        if profiler is None:
            continue
        own: Counter = Counter()
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        for (file, line, func), (_cc, _nc, tottime, _ct, _callers) in stats.items():
            own[_where(file, line, func)] += tottime
        for where, seconds in own.items():
            entry.by_category[category(where)] += seconds
        entry.top = own.most_common(top)
    return {name: results[name] for name in OPERATIONS}
