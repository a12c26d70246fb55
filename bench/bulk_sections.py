"""The sections of `python -m bench.bulk` (see bench/bulk.py): each measures into the
run's `Figures`."""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from harness.bulk import Bulk, by_ownership_tag
from harness.companies import companies_for
from harness.controls import Emulator
from harness.emulator import start_emulator
from harness.native import INSTANCES_PROGRAM, program_files
from harness.pulumi_stack import REPO, PulumiStack

from .machine import engine_default_parallel
from .native import DYNAMIC, NULL, PLUGIN, PluginProject
from .projects import (
    BenchProject,
    NullProject,
    QuickBooksProject,
    Timing,
    instance_settings,
    key,
)
from .runner import log
from .yaml_project import YamlPluginProject

if TYPE_CHECKING:
    from .bulk import Figures

BULK_PARALLEL = ("--parallel", "32")
# The latency section's runs: their `--parallel` (None: the engine's default, no flag),
# `quickbooks:maxConcurrency` (0: its default, no bound of the plugin's own), and the
# bulk mode (no checkpoints: the engine's serialized state writes off).
LATENCY_RUNS = (
    ("default --parallel", None, 0, False),
    ("--parallel 32", 32, 0, False),
    ("--parallel 32, maxConcurrency 4", 32, 4, False),
    ("--parallel 32, no checkpoints", 32, 0, True),
)
# The state section's columns beside `.native`'s three (NULL, DYNAMIC, PLUGIN).
PLUGIN_BEFORE, PLUGIN_YAML = f"{PLUGIN}, before", f"{PLUGIN}, YAML program"


# --- the code before --------------------------------------------------------------


def checkout(commit: str, into: Path) -> Path:
    """The tree of `commit` (`git archive`), as the code "before"."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def install_tree(tree: Path, root: Path) -> Path:
    """A fresh virtualenv under `root` with `pip install <tree>`."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(tree)],
        check=True,
        timeout=900,
    )
    return venv


# --- start ------------------------------------------------------------------------


def plugin_start(tree: Path) -> tuple[float, float, float]:
    """Seconds from starting `python -m provider.plugin` (in `tree`) to its port, to
    its answer to the engine's first call (GetPluginInfo), and to an answer of the
    provider itself (CheckConfig: the provider loaded)."""
    import grpc
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

    started = time.perf_counter()
    plugin = subprocess.Popen(
        [sys.executable, "-m", "provider.plugin", "127.0.0.1:9"],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        port = plugin.stdout.readline().strip().decode()  # type: ignore[union-attr]
        to_port = time.perf_counter() - started
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            stub.GetPluginInfo(empty_pb2.Empty())
            to_info = time.perf_counter() - started
            try:
                stub.CheckConfig(provider_pb2.CheckRequest(urn="urn:pulumi:b::p::q::d"))
            except grpc.RpcError:
                pass  # an answer all the same: the provider is loaded
        return to_port, to_info, time.perf_counter() - started
    finally:
        plugin.kill()
        plugin.wait()


def section_start(figures: Figures, trees: dict[str, Path], reps: int) -> None:
    samples: dict[str, list[tuple[float, float, float]]] = {code: [] for code in trees}
    for _ in range(reps):  # alternating: the machine's load falls on both alike
        for code, tree in trees.items():
            samples[code].append(plugin_start(tree))
    for code, runs in samples.items():
        figures.start[code] = {
            "port": statistics.median(r[0] for r in runs),
            "port, fastest": min(r[0] for r in runs),
            "first answer": statistics.median(r[1] for r in runs),
            "provider loaded": statistics.median(r[2] for r in runs),
        }


# --- no-op ------------------------------------------------------------------------


def yaml_stack(work: Path, emu: Emulator, venv: Path, count: int, first_company: int):
    """The stack of a `YamlPluginProject`, its grants in place."""
    project = YamlPluginProject(work, emu, count, venv, first_company)
    project.prepare()
    return project.stack


def _timed(stack: PulumiStack, *args: str) -> tuple[float, float]:
    """Wall seconds of `pulumi <args>`, and the CPU seconds of everything it ran (on a
    shared machine, the CPU is what the load leaves alone)."""
    cpu = _children_cpu()
    started = time.perf_counter()
    stack.run(*args)
    return time.perf_counter() - started, _children_cpu() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def section_noop(figures: Figures, work: Path, venvs: dict[str, Path], reps: int) -> None:
    with start_emulator(extra_args=("--companies", str(companies_for(40)))) as emu:
        stacks = {}
        for n, (code, venv) in enumerate(venvs.items()):
            for count in (0, 10):
                stack = yaml_stack(work / f"noop-{code}-{count}", emu, venv, count, 20 * n)
                stack.run("up", "--yes", "--skip-preview")
                stacks[(code, count)] = stack
        runs: dict[tuple[str, int], list[tuple[float, float]]] = {k: [] for k in stacks}
        for rep in range(reps):
            order = list(stacks.items())
            for name, stack in order if rep % 2 == 0 else order[::-1]:
                runs[name].append(
                    _timed(stack, "up", "--yes", "--skip-preview", "--expect-no-changes")
                )
        for (code, count), samples in runs.items():
            figures.noop.setdefault(code, {})[f"{count} instances"] = statistics.median(
                wall for wall, _ in samples
            )
            figures.noop[code][f"{count} instances, CPU"] = statistics.median(
                cpu for _, cpu in samples
            )
        for stack in stacks.values():
            stack.run("destroy", "--yes", "--skip-preview")


# --- state ------------------------------------------------------------------------


def state_file_bytes(stack: PulumiStack) -> int:
    files = [p for p in (stack.backend / ".pulumi" / "stacks").rglob("*.json") if p.is_file()]
    return sum(p.stat().st_size for p in files)


# The parts of a resource in the state, by who writes them: the provider (what its
# create returned, the inputs its check kept), the program's language host (the stack
# trace of the line that declared the resource, which the engine records), the engine.
PROVIDERS_PARTS = ("inputs", "outputs")
PROGRAMS_PARTS = ("sourcePosition", "stackTrace")


def resource_parts(exported: str, size: int) -> dict[str, float]:
    """Compact JSON bytes per declared resource, by writer (`PROVIDERS_PARTS`...)."""
    resources = json.loads(exported)["deployment"]["resources"]
    ours = [r for r in resources if r.get("custom") and "providers:" not in r["type"]]
    parts = {"provider's": 0, "program's stack trace": 0, "engine's": 0}
    for r in ours:
        for part, value in r.items():
            n = len(json.dumps({part: value}, separators=(",", ":"))) - 2
            if part in PROVIDERS_PARTS:
                parts["provider's"] += n
            elif part in PROGRAMS_PARTS:
                parts["program's stack trace"] += n
            else:
                parts["engine's"] += n
    return {k: v / size for k, v in parts.items()}


def section_state(figures: Figures, work: Path, venvs: dict[str, Path], size: int) -> None:
    with start_emulator(extra_args=("--companies", str(companies_for(4 * size)))) as emu:
        projects: dict[str, BenchProject] = {
            NULL: NullProject(work / "state-null", size),
            DYNAMIC: QuickBooksProject(work / "state-dynamic", emu, size),
            PLUGIN: PluginProject(work / "state-plugin", emu, size, venvs["after"]),
        }
        if "before" in venvs:
            projects[PLUGIN_BEFORE] = QuickBooksProject(
                work / "state-plugin-before",
                emu,
                size,
                files=program_files(venvs["before"], "python", INSTANCES_PROGRAM),
                first_company=2 * size,
            )
        stacks: dict[str, PulumiStack] = {}
        for name, project in projects.items():
            project.prepare()
            project.run("create")
            stacks[name] = project.stack
        # The same instances from a YAML program (no SDK stack traces in its state).
        yaml = yaml_stack(work / "state-yaml", emu, venvs["after"], size, 3 * size)
        yaml.run("up", "--yes", "--skip-preview")
        stacks[PLUGIN_YAML] = yaml
        for name, stack in stacks.items():
            exported = stack.run("stack", "export").stdout
            figures.state[name] = {
                "exported": len(exported.encode()) / size,
                "state file": state_file_bytes(stack) / size,
                **resource_parts(exported, size),
            }
            stack.run("destroy", "--yes", "--skip-preview")
            log(f"state: {name} {figures.state[name]}")


# --- kill, stress, growth ---------------------------------------------------------


def section_kill(figures: Figures, work: Path, venv: Path, size: int) -> None:
    with start_emulator(extra_args=("--companies", str(companies_for(2 * size)))) as emu:
        for n, (name, files) in enumerate(
            ((DYNAMIC, None), (PLUGIN, program_files(venv, "python", INSTANCES_PROGRAM)))
        ):
            project = QuickBooksProject(
                work / f"kill-{n}", emu, size, files=files, first_company=n * size
            )
            project.prepare()
            keys = [key(i) for i in range(size)]
            started = time.monotonic()
            settings = {k: v for k, v in instance_settings(0).items() if k != "name"}
            report = Bulk(project.stack, keys, settings).run()
            report.seconds["whole lifecycle"] = time.monotonic() - started
            figures.kill[name] = report
            log(f"kill: {name} {report}")


def _exact(project: QuickBooksProject, present: bool) -> None:
    """Exactly the declared instances exist (present), or none of them."""
    tag = f"pulumi:{project.stack.project}:{project.stack.stack}"
    owners = by_ownership_tag(project.emu, tag)
    if present:
        assert len(owners) == project.count, (len(owners), project.count)
        assert all(len(ids) == 1 for ids in owners.values()), owners
    else:
        assert owners == {}, owners


def lifecycle(project: QuickBooksProject, bulk: bool, on: Callable[[str, Timing], None]) -> None:
    """Create, update-all and destroy of the project, timed, each checked."""
    project.stack.env["PULUMI_SKIP_CHECKPOINTS"] = "true" if bulk else ""
    project.prepare()
    on("create", project.run("create"))
    _exact(project, present=True)
    project.change_all()
    on("update all", project.run("create"))  # `up`, every instance changed
    _exact(project, present=True)
    on("destroy", project.run("destroy"))
    _exact(project, present=False)


def section_stress(figures: Figures, work: Path, venv: Path, size: int, repeat: int) -> None:
    with start_emulator(extra_args=("--companies", str(companies_for(2 * size)))) as emu:
        projects = {
            DYNAMIC: QuickBooksProject(work / "stress-dynamic", emu, size),
            PLUGIN: PluginProject(work / "stress-plugin", emu, size, venv),
        }
        for project in projects.values():
            project.extra_args = BULK_PARALLEL
        for rep in range(repeat):
            for name, project in projects.items():
                for bulk in (False, True):
                    mode = "bulk" if bulk else "checkpoints"

                    def on(op: str, run: Timing, name: str = name, mode: str = mode) -> None:
                        figures.stress.setdefault((name, mode, op), []).append(run.wall)

                    lifecycle(project, bulk, on)
                    log(f"stress {rep + 1}/{repeat}: {name}, {mode} done")


def section_growth(
    figures: Figures, work: Path, venv: Path, sizes: list[int], checkpointed: list[int]
) -> None:
    """The bulk mode at every size; the default mode at `checkpointed` sizes (its
    quadratic time makes N = 1,000 take most of an hour here)."""
    figures.sizes = sizes
    # Each size's project takes the companies past its own N.
    with start_emulator(extra_args=("--companies", str(companies_for(2 * max(sizes))))) as emu:
        for size in sizes:
            # The YAML program at every size: a Python one stops at about 500 instances
            # (bench/yaml_project.py), and all sizes of a mode must run the same program.
            project = YamlPluginProject(work / f"growth-{size}", emu, size, venv, size)
            modes = [("bulk", True)] + ([("checkpoints", False)] if size in checkpointed else [])
            for mode, bulk in modes:
                project.extra_args = BULK_PARALLEL if bulk else ()

                def on(op: str, run: Timing, size: int = size, mode: str = mode) -> None:
                    figures.growth[(mode, size, op)] = run.wall
                    log(
                        f"growth: N={size} {mode} {op} {run.wall:.1f} s; CPU: the CLI and all "
                        f"it started {run.cpu:.1f} s, the emulator {run.emulator_cpu:.1f} s; "
                        f"API calls {dict(run.calls or {})}"
                    )

                lifecycle(project, bulk, on)


def section_latency(figures: Figures, work: Path, venv: Path, size: int, latency_ms: int) -> None:
    """Create, update-all and destroy of `size` instances on the plugin (a YAML program)
    with the API at `latency_ms`, at each of `LATENCY_RUNS`, each step checked; the
    concurrency each run allows is min(--parallel, maxConcurrency when set)."""
    default = engine_default_parallel()
    assert default, "the engine's default --parallel was not found in `pulumi up --help`"
    with start_emulator(
        latency_ms=latency_ms, extra_args=("--companies", str(companies_for(size)))
    ) as emu:
        project = YamlPluginProject(work / "latency", emu, size, venv, 0)
        for run, parallel, max_concurrency, bulk in LATENCY_RUNS:
            # Between lifecycles (nothing deployed): the provider's config is free to change.
            project.stack.write_config({"quickbooks:maxConcurrency": str(max_concurrency)})
            project.extra_args = ("--parallel", str(parallel)) if parallel else ()
            allowed = min(parallel or default, max_concurrency or parallel or default)
            row: dict[str, float] = {"N": size, "latency ms": latency_ms, "concurrency": allowed}
            figures.latency[run] = row

            def on(op: str, timing: Timing, row: dict[str, float] = row, run: str = run) -> None:
                row[op] = timing.wall
                log(
                    f"latency: {run} {op} {timing.wall:.1f} s; API calls {dict(timing.calls or {})}"
                )

            lifecycle(project, bulk, on)
