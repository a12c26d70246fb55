"""The bulk path (`PULUMI_SKIP_CHECKPOINTS=true`) proven safe on both front-ends: a
create, an update of every instance and a destroy, each run at `--parallel 16` without
checkpoints, killed with `kill -9` half-way, then recovered by the plain command, end
with exactly the declared instances: none duplicated, none orphaned, none deleted or
created twice (`harness/bulk.py` says what each step checks).

N is 40 here, to keep the suite's time bounded; `python -m bench.bulk` runs the same
lifecycle at N = 300 on both front-ends (bench/RESULTS.md).
"""

from __future__ import annotations

import pytest

from harness.accounts import EVENTS_URL
from harness.bulk import Bulk
from harness.pulumi_stack import PulumiStack

from .front_ends import FRONT_ENDS
from .ledger import LEDGER

COUNT = 40
# A third done when the kill lands, at most PARALLEL more in flight that the platform
# still completes: the rest is left to the recovery.
PARALLEL = 16
SETTINGS = {"callback_url": EVENTS_URL, "tags": ["env:bulk"], "poll_interval_minutes": 5}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_killed_bulk_runs_recover_to_exactly_the_declared_instances(
    tmp_path, emu, app, program, front_end
):
    stack = PulumiStack(tmp_path / "bulk", emu, app, stack="bulk", files=program)
    keys = [f"b{i:03d}" for i in range(COUNT)]
    for key in keys:
        stack.set_instance(key, **SETTINGS, name=key)
    stack.grant_all(keys)
    with LEDGER.fault("pulumi CLI", f"bulk create, update all, destroy of {COUNT} × kill -9"):
        report = Bulk(stack, keys, SETTINGS, parallel=PARALLEL).run()
    # Each kill landed half-way, and left work for its recovery to finish.
    assert all(0 < done < COUNT for done in report.killed_at.values()), report
    assert 0 < report.left["destroy"] < COUNT, report
