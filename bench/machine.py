"""What a run was measured on: the machine, the tools, the commit (and whether the code
the bench runs had uncommitted changes), the engine's default parallelism."""

from __future__ import annotations

import platform
import re
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from harness.pulumi_stack import REPO, pulumi_bin_dir

# Everything a run executes: the program and its provider, the emulator it calls, the
# harness and the bench that drive them, the scripts that provide the CLI and the
# language host, and the locked dependencies. A change to any makes the figures stale.
BENCHED = (
    "provider",
    "emulator",
    "harness",
    "bench",
    "scripts",
    "__main__.py",
    "Pulumi.yaml",
    "pyproject.toml",
    "uv.lock",
)
# What a run writes, so never a reason to call the code changed.
OUTPUTS = ("bench/RESULTS.md", "bench/results.json", "bench/scale.png")


def uncommitted_changes(repo: Path = REPO) -> list[str]:
    """`git status` lines of the benched paths (outputs aside): empty when clean."""
    done = subprocess.run(
        ["git", "-C", str(repo), "status", "--porcelain", "--", *BENCHED]
        + [f":!{output}" for output in OUTPUTS],
        capture_output=True,
        text=True,
    )
    return done.stdout.splitlines()


def describe() -> dict[str, str]:
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total_kb = re.search(r"MemTotal:\s+(\d+)", meminfo)
    bin_dir = pulumi_bin_dir()
    commit = _first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" + uncommitted changes" if uncommitted_changes() else ""),
        "nproc": _first_line(["nproc"]),
        "memory": f"{int(total_kb[1]) / 1024 / 1024:.1f} GiB" if total_kb else "unknown",
        "cpu": _cpu_model(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "pulumi CLI": _first_line([f"{bin_dir}/pulumi", "version"]),
        "pulumi SDK": metadata.version("pulumi"),
        "load average at start": load_average(),
    }


def _first_line(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=60)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def load_average() -> str:
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
