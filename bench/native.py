"""`python -m bench.native`: the native plugin as a third column beside the null dynamic
provider and the dynamic resource, and its concurrency at a slow API.

  * overhead, API at 0 ms: the same lifecycle on the null dynamic provider, the
    dynamic resource and the plugin (the package pip-installed into a fresh
    virtualenv, `harness.native`), alternating the order, `--reps` times; the goal
    is the plugin <= 1.1x the null provider (no per-resource pickle, no Python
    dynamic-provider host);
  * where that overhead goes: the same lifecycle once more with the engine's
    per-step checkpoints off (`PULUMI_SKIP_CHECKPOINTS=true`), and each project's
    state size per resource (the file backend rewrites the whole state after every
    step, so a resource with real outputs costs the engine more than the null
    provider's echo of its four inputs);
  * concurrency, API at `--latency-ms` (250): create, update-all and destroy of N
    instances on the plugin, against the bound N x latency / concurrency, where
    concurrency = min(the engine's default --parallel, quickbooks:maxConcurrency);
    goal <= 1.3x bound + floor (the null provider's time for the operation).

It writes its tables into the `<!-- bench:native -->` block of bench/RESULTS.md
(the rest of that file is `python -m bench`'s).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from harness.companies import companies_for
from harness.emulator import start_emulator
from harness.native import INSTANCES_PROGRAM, install_package, program_files
from provider.api.settings import MAX_CONCURRENCY
from provider.docs import replace_block

from . import organization
from .machine import engine_default_parallel
from .projects import (
    BenchProject,
    NullProject,
    QuickBooksProject,
)
from .runner import log

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
OPS = ("create", "no-op up", "update one", "destroy")
SLOW_OPS = ("create", "update all", "destroy")
NULL, DYNAMIC, PLUGIN = "null dynamic provider", "dynamic resource", "native plugin"


class PluginProject(QuickBooksProject):
    """The repository's program on the installed plugin (same instances, same grants)."""

    def __init__(self, workdir: Path, emu, count: int, venv: Path) -> None:
        super().__init__(
            workdir,
            emu,
            count,
            files=program_files(venv, "python", INSTANCES_PROGRAM),
            first_company=count,  # past the dynamic resource's companies
        )


def _median(walls: list[float]) -> float:
    return statistics.median(walls)


def _companies(size: int) -> tuple[str, ...]:
    """The emulator's --companies for two projects of `size` instances (the dynamic
    resource's and the plugin's), each instance on its own company."""
    return ("--companies", str(companies_for(2 * size)))


SKIP_CHECKPOINTS = "PULUMI_SKIP_CHECKPOINTS"
STATE_BYTES = "state bytes per resource"


def state_bytes(project: BenchProject) -> float:
    """The stack's exported state per declared resource (JSON bytes)."""
    exported = project.stack.run("stack", "export").stdout
    return len(exported.encode()) / project.count


def overhead(
    work: Path, venv: Path, size: int, reps: int, *, skip_checkpoints: bool = False
) -> dict[str, dict[str, float]]:
    """Median wall seconds per operation and front-end (and each one's state size)."""
    walls: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    with start_emulator(extra_args=_companies(size)) as emu:
        projects: dict[str, BenchProject] = {
            NULL: NullProject(work / "null", size),
            DYNAMIC: QuickBooksProject(work / "dynamic", emu, size),
            PLUGIN: PluginProject(work / "plugin", emu, size, venv),
        }
        for project in projects.values():
            if skip_checkpoints:
                project.stack.env[SKIP_CHECKPOINTS] = "true"
        for rep in range(reps):
            order = list(projects.items())
            order = order if rep % 2 == 0 else order[::-1]
            for _name, project in order:
                project.prepare()
            for operation in OPS:
                for name, project in order:
                    walls[name][operation].append(project.run(operation).wall)
                    log(f"overhead N={size} rep {rep + 1}: {name} {operation}")
                    if operation == "create":
                        walls[name][STATE_BYTES].append(state_bytes(project))
    return {name: {op: _median(w) for op, w in ops.items()} for name, ops in walls.items()}


def concurrency(work: Path, venv: Path, size: int, latency_ms: int) -> dict[str, dict[str, float]]:
    """Create, update-all and destroy at `latency_ms` on the plugin and the dynamic
    resource; and the null provider's update-all at 0 ms (that operation's floor)."""
    walls: dict[str, dict[str, float]] = {}
    null = NullProject(work / "null-all", size)
    null.run("create")
    null.stack.write_config({"bench:changed": "*"})
    walls[NULL] = {"update all": null.run("create").wall}  # `up`; "update one" changes one
    null.run("destroy")
    with start_emulator(latency_ms=latency_ms, extra_args=_companies(size)) as emu:
        projects = {
            PLUGIN: PluginProject(work / "slow-plugin", emu, size, venv),
            DYNAMIC: QuickBooksProject(work / "slow-dynamic", emu, size),
        }
        for name, project in projects.items():
            project.prepare()
            walls[name] = {"create": project.run("create").wall}
            project.change_all()
            walls[name]["update all"] = project.run("create").wall  # `up`, all changed
            walls[name]["destroy"] = project.run("destroy").wall
            log(f"concurrency N={size} at {latency_ms} ms: {name} {walls[name]}")
    return walls


def markdown(
    size: int,
    reps: int,
    latency_ms: int,
    parallel: int,
    at_zero: dict[str, dict[str, float]],
    unsaved: dict[str, dict[str, float]],
    slow: dict[str, dict[str, float]],
) -> str:
    lines = [
        f"N = {size}; medians of {reps} repetition(s), API at 0 ms; the engine's default "
        f"`--parallel` here: {parallel}.",
        "",
        f"| operation | {NULL} | {DYNAMIC} | {PLUGIN} | plugin / null | goal <= 1.1x |",
        "|---|---|---|---|---|---|",
    ]
    for op in OPS:
        null, dyn, plug = (at_zero[v][op] for v in (NULL, DYNAMIC, PLUGIN))
        ratio = plug / null
        lines.append(
            f"| {op} | {null:.2f} s | {dyn:.2f} s | {plug:.2f} s | {ratio:.2f}x | "
            f"{'yes' if ratio <= 1.1 else '**no**'} |"
        )
    sizes = {name: at_zero[name][STATE_BYTES] / 1000 for name in (NULL, DYNAMIC, PLUGIN)}
    lines += [
        "",
        f"State per resource after `create`: {NULL} {sizes[NULL]:.1f} kB, {DYNAMIC} "
        f"{sizes[DYNAMIC]:.1f} kB, {PLUGIN} {sizes[PLUGIN]:.1f} kB. The file backend "
        "rewrites the whole state after every step, so the engine's time grows with it. "
        f"The same lifecycle with `{SKIP_CHECKPOINTS}=true` (1 repetition; the state is "
        "written once, at the end):",
        "",
        f"| operation | {NULL} | {DYNAMIC} | {PLUGIN} | plugin / null |",
        "|---|---|---|---|---|",
    ]
    for op in OPS:
        null, dyn, plug = (unsaved[v][op] for v in (NULL, DYNAMIC, PLUGIN))
        lines.append(f"| {op} | {null:.2f} s | {dyn:.2f} s | {plug:.2f} s | {plug / null:.2f}x |")
    # maxConcurrency 0 (its default): no bound of the plugin's own.
    workers = min(parallel, MAX_CONCURRENCY.default or parallel)
    bound = size * latency_ms / 1000 / workers
    lines += [
        "",
        f"At {latency_ms} ms per API call, N = {size}: bound = N x {latency_ms} ms / "
        f"--parallel {parallel} (maxConcurrency: no bound of its own) = {bound:.2f} s; "
        "floor = the null provider's time for the same operation at 0 ms. "
        "The dynamic resource, beside it, runs at most 4 operations at once.",
        "",
        f"| operation | {PLUGIN} | bound | floor | goal 1.3 x bound + floor | met | {DYNAMIC} |",
        "|---|---|---|---|---|---|---|",
    ]
    floors = {**at_zero[NULL], **slow[NULL]}
    for op in SLOW_OPS:
        floor = floors[op]
        goal = 1.3 * bound + floor
        plugin, dynamic = slow[PLUGIN][op], slow[DYNAMIC][op]
        lines.append(
            f"| {op} | {plugin:.2f} s | {bound:.2f} s | {floor:.2f} s | {goal:.2f} s | "
            f"{'yes' if plugin <= goal else '**no**'} | {dynamic:.2f} s |"
        )
    return "\n".join(lines)


BLOCK = re.compile(r"## Native plugin\n.*?<!-- /bench:native -->", re.S)
EMPTY = (
    "## Native plugin\n\n<!-- bench:native -->\nnot measured yet: run `python -m bench.native`\n"
    "<!-- /bench:native -->"
)
# `python -m bench.bulk`'s section, kept after this one once it was written.
BULK_BLOCK = re.compile(r"## Bulk runs\n.*?<!-- /bench:bulk -->", re.S)


def with_native_block(old: str, new: str) -> str:
    """`new` (what `python -m bench` writes) ending with `old`'s native-plugin section,
    its large-organization section (`python -m bench.organization`) and its bulk-runs
    section if it has one: exactly one of each, whatever either already holds (a
    section is replaced, never added)."""
    body = BULK_BLOCK.sub("", new)
    kept = []
    for block, empty in ((BLOCK, EMPTY), (organization.BLOCK, organization.EMPTY)):
        found = block.search(old)
        body = block.sub("", body)
        kept.append(found.group(0) if found else empty)
    bulk = BULK_BLOCK.search(old)
    if bulk:
        kept.append(bulk.group(0))
    return body.rstrip() + "".join(f"\n\n{section}" for section in kept) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.native", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--latency-ms", type=int, default=250)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qbo-bench-native-") as tmp:
        work = Path(tmp)
        log("installing the package into a fresh virtualenv")
        venv = install_package(work)
        at_zero = overhead(work / "zero", venv, args.size, args.reps)
        unsaved = overhead(work / "unsaved", venv, args.size, 1, skip_checkpoints=True)
        slow = concurrency(work, venv, args.size, args.latency_ms)
    parallel = engine_default_parallel() or 0
    table = markdown(args.size, args.reps, args.latency_ms, parallel, at_zero, unsaved, slow)
    print(table)
    old = args.out.read_text() if args.out.exists() else ""
    args.out.write_text(replace_block(with_native_block(old, old), "bench:native", table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
