"""Keeps `python -m bench` working: a short run (N=3, --quick) through the real CLI.

Not a timed test: wall times on a shared CI machine mean nothing, so only the
HTTP-call goals are asserted, and those are exact.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from harness.pulumi_stack import REPO

SIZE = 3
BUDGET_SECONDS = 90

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory) -> tuple[dict, str, float]:
    out = tmp_path_factory.mktemp("bench")
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--sizes",
            str(SIZE),
            "--quick",
            "--out",
            str(out / "RESULTS.md"),
            "--json",
            str(out / "results.json"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    return json.loads((out / "results.json").read_text()), (out / "RESULTS.md").read_text(), seconds


def test_every_operation_makes_the_minimum_of_http_calls(bench_run):
    results, _, _ = bench_run
    counted = {(row["variant"], row["operation"]): row for row in results["calls"]}
    expected = {
        "preview": {},
        "create": {"GET list": 1, "POST": SIZE},
        "no-op up": {},
        "refresh": {"GET list": 1},
        "update one": {"GET list": 1, "PATCH": 1},
        "destroy": {"GET list": 1, "DELETE": SIZE},
    }
    for operation, calls in expected.items():
        row = counted[("quickbooks", operation)]
        assert row["calls"] == [calls], (operation, row)
        assert row["met"], row
    # The same at the emulator's latency and through several provider processes.
    assert all(row["met"] for row in results["calls"]), results["calls"]
    assert len(results["calls"]) == len(expected) + 3 + 1


def test_every_table_is_filled(bench_run):
    results, markdown, _ = bench_run
    assert [row["operation"] for row in results["overhead"]] == [
        "preview",
        "create",
        "no-op up",
        "refresh",
        "update one",
        "destroy",
    ]
    assert all(row["null"] > 0 and row["quickbooks"] > 0 for row in results["overhead"])
    assert {row["operation"] for row in results["scale"]} == {"create", "refresh", "destroy"}
    assert [row["operation"] for row in results["concurrency"]] == ["create"]
    assert results["profiles"]["quickbooks"]["Create"]["calls"] == SIZE
    for heading in ("HTTP calls per operation", "Provider overhead", "Scale", "Where the time"):
        assert heading in markdown
    assert results["machine"]["nproc"] and results["machine"]["pulumi CLI"].startswith("v3")


def test_the_smoke_run_fits_in_ci(bench_run):
    *_, seconds = bench_run
    assert seconds < BUDGET_SECONDS, f"python -m bench --quick took {seconds:.0f}s"
