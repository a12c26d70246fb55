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
  * growth: the plugin's create, update-all and destroy at each of `--sizes`
    (100, 300, 1000) in the default mode (checkpoints, the engine's default
    `--parallel`) and the bulk mode (no checkpoints, `--parallel 32`).
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.bulk import Bulk, by_ownership_tag
from harness.companies import companies_for, generated_company
from harness.controls import Emulator
from harness.emulator import start_emulator
from harness.native import INSTANCES_PROGRAM, install_package, program_files, project_yaml
from harness.pulumi_stack import REPO, PulumiStack, yaml_host_dir
from provider.docs import replace_block

from . import machine
from .native import BULK_BLOCK, PluginProject, change_all
from .projects import BenchProject, NullProject, QuickBooksProject, instance_settings, key
from .runner import log

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
BLOCK_NAME = "bench:bulk"
BULK_ENV = {"PULUMI_SKIP_CHECKPOINTS": "true"}
BULK_PARALLEL = ("--parallel", "32")
OPS = ("create", "update all", "destroy")
NULL, DYNAMIC, PLUGIN, PLUGIN_BEFORE, PLUGIN_YAML = (
    "null dynamic provider",
    "dynamic resource",
    "native plugin",
    "native plugin, before",
    "native plugin, YAML program",
)


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
    sizes: list[int] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    seconds: float = 0.0


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


def yaml_program(count: int) -> str:
    """A YAML program of `count` instances, each with its grant from config."""
    config = "".join(
        f"  code{i}:\n    type: string\n    secret: true\n  realm{i}:\n    type: string\n"
        for i in range(count)
    )
    resources = "".join(
        f"  {key(i)}:\n    type: quickbooks:index:Instance\n    properties:\n"
        f"      name: {key(i)}\n      callbackUrl: https://hooks.example.com/events\n"
        f'      pollIntervalMinutes: 5\n      tags: ["env:bench"]\n'
        f"      oauth:\n        code: ${{code{i}}}\n        realmId: ${{realm{i}}}\n"
        for i in range(count)
    )
    return (f"config:\n{config}" if count else "") + (
        f"resources:\n{resources}" if count else "outputs:\n  empty: true\n"
    )


def yaml_stack(work: Path, emu: Emulator, venv: Path, count: int, first_company: int):
    program = project_yaml(venv, "yaml") + yaml_program(count)
    stack = PulumiStack(work, emu, _app(), stack="bench", files={"Pulumi.yaml": program})
    stack.transcript = _Quiet()
    stack.env["PATH"] = f"{yaml_host_dir()}:{stack.env['PATH']}"
    stack.env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
    args: list[str] = []
    for i in range(count):
        realm = generated_company(first_company + i)
        app = stack.app
        granted = emu.grant(app.api_key, app.api_secret, app.callback_url, realm_id=realm)
        # Throwaway codes of this local emulator, on argv (bench only: see grant_all).
        args += ["--secret", f"{stack.project}:code{i}={granted['code']}"]
        # The YAML host reads digits as a number: a JSON string stays a string.
        args += ["--plaintext", f'{stack.project}:realm{i}="{granted["realmId"]}"']
    if args:
        stack.run("config", "set-all", *args)
    return stack


def _wall(stack: PulumiStack, *args: str) -> float:
    started = time.perf_counter()
    stack.run(*args)
    return time.perf_counter() - started


def section_noop(figures: Figures, work: Path, venvs: dict[str, Path], reps: int) -> None:
    with start_emulator(extra_args=("--companies", str(companies_for(40)))) as emu:
        stacks = {}
        for n, (code, venv) in enumerate(venvs.items()):
            for count in (0, 10):
                stack = yaml_stack(work / f"noop-{code}-{count}", emu, venv, count, 20 * n)
                stack.run("up", "--yes", "--skip-preview")
                stacks[(code, count)] = stack
        walls: dict[tuple[str, int], list[float]] = {k: [] for k in stacks}
        for rep in range(reps):
            order = list(stacks.items())
            for name, stack in order if rep % 2 == 0 else order[::-1]:
                walls[name].append(
                    _wall(stack, "up", "--yes", "--skip-preview", "--expect-no-changes")
                )
        for (code, count), samples in walls.items():
            figures.noop.setdefault(code, {})[f"{count} instances"] = statistics.median(samples)
        for stack in stacks.values():
            stack.run("destroy", "--yes", "--skip-preview")


# --- state ------------------------------------------------------------------------


def state_file_bytes(stack: PulumiStack) -> int:
    files = [p for p in (stack.backend / ".pulumi" / "stacks").rglob("*.json") if p.is_file()]
    return sum(p.stat().st_size for p in files)


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


def lifecycle(project: QuickBooksProject, bulk: bool, on: Callable[[str, float], None]) -> None:
    """Create, update-all and destroy of the project, timed, each checked."""
    project.stack.env["PULUMI_SKIP_CHECKPOINTS"] = "true" if bulk else ""
    project.prepare()
    on("create", project.run("create").wall)
    _exact(project, present=True)
    change_all(project)
    on("update all", project.run("create").wall)  # `up`, every instance changed
    _exact(project, present=True)
    on("destroy", project.run("destroy").wall)
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

                    def on(op: str, wall: float, name: str = name, mode: str = mode) -> None:
                        figures.stress.setdefault((name, mode, op), []).append(wall)

                    lifecycle(project, bulk, on)
                    log(f"stress {rep + 1}/{repeat}: {name}, {mode} done")


def section_growth(
    figures: Figures, work: Path, venv: Path, sizes: list[int], checkpointed: list[int]
) -> None:
    """The bulk mode at every size; the default mode at `checkpointed` sizes (its
    quadratic time makes N = 1,000 take most of an hour here)."""
    figures.sizes = sizes
    # The plugin's projects take the companies past their own N (`PluginProject`).
    with start_emulator(extra_args=("--companies", str(companies_for(2 * max(sizes))))) as emu:
        for size in sizes:
            project = PluginProject(work / f"growth-{size}", emu, size, venv)
            modes = [("bulk", True)] + ([("checkpoints", False)] if size in checkpointed else [])
            for mode, bulk in modes:
                project.extra_args = BULK_PARALLEL if bulk else ()

                def on(op: str, wall: float, size: int = size, mode: str = mode) -> None:
                    figures.growth[(mode, size, op)] = wall
                    log(f"growth: N={size} {mode} {op} {wall:.1f} s")

                lifecycle(project, bulk, on)


# --- the report -------------------------------------------------------------------


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


class _Quiet(list):
    def append(self, _item: object) -> None:
        pass


def _app():
    from harness.accounts import new_app

    return new_app()


SECTIONS = ("start", "noop", "state", "growth", "kill", "stress")


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
    parser.add_argument("--start-reps", type=int, default=15)
    parser.add_argument("--noop-reps", type=int, default=5)
    parser.add_argument("--before", default="main", help="the commit measured as before")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--saved",
        type=Path,
        default=Path(tempfile.gettempdir()) / "qbo-bench-bulk.pickle",
        help="each section's figures are kept here (default: %(default)s)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="start from the figures in --saved: the sections run now replace theirs",
    )
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {','.join(SECTIONS)}")
    figures = Figures(machine=machine.describe(), before=args.before)
    if args.resume:  # only ever a file this command wrote itself (pickle runs code)
        figures = pickle.loads(args.saved.read_bytes())
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
            figures.done = [*(d for d in figures.done if d != name), name]
            figures.seconds += time.monotonic() - started
            started = time.monotonic()
            args.saved.write_bytes(pickle.dumps(figures))
            write(args.out, figures)
            log(f"wrote {args.out} ({', '.join(figures.done)})")
    print(markdown(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
