"""The throwaway projects the benchmark drives through the real `pulumi` CLI.

`QuickBooksProject`: the repository's program and provider against an emulator
(optionally a variant program from `bench/programs/`). `NullProject`: the same
engine, language host and dynamic-provider host with a provider that does
nothing (`bench/null_provider.py`): the engine's floor. Both run the same
operations with the same flags, timed the same way.
"""

from __future__ import annotations

import os
import resource
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.catalog import API_PREFIX
from harness.accounts import EVENTS_URL, new_app
from harness.companies import generated_company
from harness.controls import Emulator
from harness.pulumi_stack import REPO, PulumiStack, cli_env

from . import goals

PROGRAMS = Path(__file__).resolve().parent / "programs"
CHANGED_URL = "https://hooks.example.com/quickbooks/changed"
# The instance lists (each page counts): the organization's and the QuickBooks element's.
LISTS = ("/instances", "/elements/quickbooks/instances")
QUEUED_DELIVERIES = "/notifications/subscriptions/deliveries"


def _kind_of(method: str, path: str) -> str:
    if method == "GET" and path in LISTS:
        return "GET list"
    return goals.QUEUED if method == "GET" and path == QUEUED_DELIVERIES else method


# name -> pulumi arguments. "no-op up" and "refresh" also prove there is nothing to do.
OPERATIONS: dict[str, tuple[str, ...]] = {
    "preview": ("preview",),
    "create": ("up", "--yes", "--skip-preview"),
    "no-op up": ("up", "--yes", "--skip-preview", "--expect-no-changes"),
    "refresh": ("refresh", "--yes", "--skip-preview", "--expect-no-changes"),
    "update one": ("up", "--yes", "--skip-preview"),
    "destroy": ("destroy", "--yes", "--skip-preview"),
}


def key(index: int) -> str:
    return f"i{index:03d}"


def instance_settings(index: int) -> dict[str, Any]:
    """One declared instance (the null program declares the same shape)."""
    return {
        "name": f"Bench {index}",
        "callback_url": EVENTS_URL,
        "tags": ["env:bench"],
        "poll_interval_minutes": 5,
    }


@dataclass
class Timing:
    wall: float  # seconds
    cpu: float  # user + system seconds of the CLI and everything it started
    stderr: str
    # QuickBooks only, from the emulator:
    calls: Counter | None = None  # "GET", "GET list", "POST", ...
    api_seconds: float | None = None  # summed request durations in its request log
    emulator_cpu: float | None = None  # user + system seconds of the emulator process


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BenchProject:
    stack: PulumiStack
    count: int
    extra_args: tuple[str, ...] = ()

    def prepare(self) -> None:
        """Before a lifecycle: the declared resources, in their initial settings."""

    def change_one(self) -> None:
        """Before `update one`: one field of one resource changes."""

    def use_path_first(self, bin_dir: Path) -> None:
        """Programs in `bin_dir` win over the cached CLI's plugins from now on."""
        self.stack.env["PATH"] = f"{bin_dir}:{self.stack.env['PATH']}"

    def run(self, operation: str, *extra: str) -> Timing:
        if operation == "update one":
            self.change_one()
        self.before()
        cpu = _children_cpu()
        started = time.perf_counter()
        done = self.stack.run(*OPERATIONS[operation], *self.extra_args, *extra)
        wall = time.perf_counter() - started
        timing = Timing(wall, _children_cpu() - cpu, done.stderr)
        self.after(timing)
        return timing

    def before(self) -> None:
        pass

    def after(self, timing: Timing) -> None:
        pass


class QuickBooksProject(BenchProject):
    def __init__(
        self,
        workdir: Path,
        emu: Emulator,
        count: int,
        files: dict[str, str] | None = None,
        first_company: int = 0,
    ) -> None:
        self.emu = emu
        self.count = count
        # Projects sharing one emulator's organization need companies of their own:
        # QuickBooks keeps one authorized instance per company.
        self.first_company = first_company
        self.app = new_app()
        # `files`: another program (the plugin's, bench/native.py) instead of the repository's.
        self.stack = PulumiStack(workdir, emu, self.app, stack="bench", files=files)
        self.stack.transcript = _NoTranscript()

    def use_program(
        self, program: str | None, providers: int = 1, extra_args: tuple[str, ...] = ()
    ) -> None:
        """Run a program of bench/programs/ (None: the repository's) from now on; only
        between lifecycles, when nothing is deployed."""
        source = PROGRAMS / program if program else REPO / "__main__.py"
        shutil.copy(source, self.stack.dir / "__main__.py")
        self.stack.write_config({"bench:providers": str(providers)})
        self.extra_args = extra_args

    def prepare(self) -> None:
        instances = {key(i): instance_settings(i) for i in range(self.count)}
        self.stack.write_config({"quickbooks:instances": instances})  # drops the spent grants
        self.grant_all()

    def grant_all(self) -> None:
        """A fresh consent per instance, each on its own company (`PulumiStack.grant_all`)."""
        realms = [generated_company(self.first_company + i) for i in range(self.count)]
        self.stack.grant_all([key(i) for i in range(self.count)], realms)

    def change_one(self) -> None:
        self.stack.set_instance(key(0), **{**instance_settings(0), "callback_url": CHANGED_URL})

    def change_all(self) -> None:
        """Every instance's callback changes: the next `up` updates all N."""
        for i in range(self.count):
            self.stack.set_instance(key(i), **{**instance_settings(i), "callback_url": CHANGED_URL})

    def before(self) -> None:
        self.emu.clear_requests()
        self._emulator_cpu = _process_cpu(self.emu.process.pid)

    def after(self, timing: Timing) -> None:
        timing.emulator_cpu = _process_cpu(self.emu.process.pid) - self._emulator_cpu
        logged = self.emu.requests()
        timing.api_seconds = sum(entry["duration_ms"] for entry in logged) / 1000
        timing.calls = Counter()
        for entry in logged:
            method, path = entry["method"], entry["path"].split(API_PREFIX, 1)[-1]
            timing.calls[_kind_of(method, path)] += 1


class NullProject(BenchProject):
    def __init__(self, workdir: Path, count: int, *, extra_args: tuple[str, ...] = ()) -> None:
        self.count = count
        self.extra_args = extra_args
        self.stack = NullStack(workdir)
        self.stack.write_config({"bench:count": str(count), "bench:changed": ""})

    def prepare(self) -> None:
        self.stack.write_config({"bench:changed": ""})

    def change_one(self) -> None:
        self.stack.write_config({"bench:changed": key(0)})


class _NoTranscript(list):
    """The benchmark does not scan output for secrets: keep no copy of it."""

    def append(self, _item: object) -> None:
        pass


class NullStack(PulumiStack):
    """A PulumiStack for the null program: same CLI, environment and backend layout."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        self.stack = "bench"
        self.transcript = _NoTranscript()
        workdir.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROGRAMS / "null.py", workdir / "__main__.py")
        (workdir / "Pulumi.yaml").write_text(
            "name: bench-null\n"
            "runtime:\n  name: python\n  options:\n"
            f"    virtualenv: {REPO / '.venv'}\n"
            "stackConfigDir: stacks\n"
        )
        (workdir / "stacks").mkdir(exist_ok=True)
        self.backend = workdir / "backend"
        self.backend.mkdir(parents=True, exist_ok=True)
        self.env = cli_env(self.backend)
        self.run("stack", "init")
