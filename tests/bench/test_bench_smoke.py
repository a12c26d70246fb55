"""Keeps `python -m bench` working: the calls section at N=3 (--quick) through the real CLI.

Not a timed test: wall times on a shared CI machine mean nothing, so only the
HTTP calls are asserted, and those are exact. The other sections' tables and the
chart are exercised without the CLI in test_bench_report.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from harness.pulumi_stack import REPO

SIZE = 3
BUDGET_SECONDS = 60

pytestmark = pytest.mark.e2e

# With the per-run inventory (provider/inventory.py): one list of the stack's
# instances per provider host answers refresh, the ownership checks and the
# lost-create lookup; no fallback GET, since every instance here is listed.
EXPECTED = {
    "preview": {},
    "create": {"GET list": 1, "POST": SIZE},
    "no-op up": {},
    "refresh": {"GET list": 1, "GET queued": 1},
    "update one": {"GET list": 1, "PATCH": 1},
    "destroy": {"GET list": 1, "DELETE": SIZE},
}


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory) -> tuple[dict, str, float]:
    out = tmp_path_factory.mktemp("bench")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--sizes", str(SIZE), "--quick", "--sections", "calls"]
        + ["--out", str(out / "RESULTS.md")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    # The JSON goes beside --out by default, section by section.
    return json.loads((out / "results.json").read_text()), (out / "RESULTS.md").read_text(), seconds


def test_every_operation_makes_exactly_the_expected_http_calls(bench_run):
    results, _, _ = bench_run
    counted = {row["operation"]: row for row in results["calls"]}
    assert set(counted) == set(EXPECTED)
    for operation, calls in EXPECTED.items():
        row = counted[operation]
        assert row["variant"] == "quickbooks, calls"
        assert row["calls"] == [calls], (operation, row)
        assert row["met"], row  # and they meet issue 15's goals


def test_the_results_name_the_section_and_its_goals(bench_run):
    results, markdown, _ = bench_run
    assert results["done"] == ["calls"]
    assert "## HTTP calls per operation" in markdown
    assert "- calls, refresh (1-2 reads + 1 list of queued deliveries, 0 writes): yes" in markdown
    assert "not (yet) measured" not in markdown
    assert results["machine"]["nproc"] and results["machine"]["pulumi CLI"].startswith("v3")


def test_the_smoke_run_fits_in_ci(bench_run):
    *_, seconds = bench_run
    assert seconds < BUDGET_SECONDS, f"python -m bench --sections calls took {seconds:.0f}s"
