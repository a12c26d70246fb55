"""The reliability summary at the end of a run, and its record in docs/reliability.md.

The root `tests/conftest.py` prints it, whichever way the run went: in one process,
or in pytest-xdist's workers (`make test`), whose rows each worker hands over at its
end (`Ledger.rows`) and the controller gathers (`Ledger.add`) before it prints.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .ledger import DOC, LEDGER, record

_STARTED: list[float] = []


def started() -> None:
    """The run's tests are collected: its seconds count from here."""
    _STARTED.append(time.monotonic())


def summary(terminalreporter, exitstatus, config) -> None:
    if LEDGER.empty():
        return
    terminalreporter.section("reliability summary")
    lines = LEDGER.table()
    for line in lines:
        terminalreporter.write_line(line)
    if os.environ.get("RELIABILITY_RECORD", "") not in ("", "0"):
        refused = _not_recordable(terminalreporter, exitstatus, config.rootpath)
        if refused:
            terminalreporter.write_line(f"RELIABILITY_RECORD: not recorded: {refused}")
            return
        passed = len(terminalreporter.stats.get("passed", []))
        record(lines, passed, time.monotonic() - _STARTED[0])
        terminalreporter.write_line(f"RELIABILITY_RECORD: wrote the table into {DOC}")


def _not_recordable(terminalreporter, exitstatus, root: Path) -> str | None:
    """Why this run's figures must not become the documented ones (None: they may)."""
    if exitstatus != 0:
        return f"the run did not pass (exit status {exitstatus})"
    if not _STARTED:  # the tests ran in workers: their seconds are not this process's
        return "run it in one process (-n 0)"
    stats = terminalreporter.stats
    for kind in ("deselected", "skipped", "xfailed", "failed", "error"):
        if stats.get(kind):
            return f"{len(stats[kind])} test(s) {kind}"
    here = Path(__file__).resolve().parent
    ran = {(root / r.nodeid.split("::")[0]).resolve() for r in stats.get("passed", [])}
    if any(here not in p.parents for p in ran):
        return "the run includes tests outside tests/reliability"
    missing = sorted(p.name for p in here.glob("test_*.py") if p.resolve() not in ran)
    if missing:
        return "not every module of tests/reliability ran: " + ", ".join(missing)
    return None
