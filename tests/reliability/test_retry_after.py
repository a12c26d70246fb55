"""Retry-After in real time, and its bound: a wait the platform asks for is slept (the
fault matrix records its waits instead), and one beyond the retry budget fails at once."""

from __future__ import annotations

import time

import pytest

from provider.api.client import QUICKBOOKS_INSTANCES
from provider.errors import RateLimited

from .engine import assert_converged, assert_good_error, attempt
from .front_ends import FRONT_ENDS
from .ledger import LEDGER

# Every row runs on both front-ends: the retries, the lookup and adoption are the core's,
# what each front-end adds (its wire form, its secrets, its event loop) is what differs.
pytestmark = pytest.mark.parametrize("front_end", FRONT_ENDS)

# `quickbooks:maxRetryWaitSeconds` of `make_provider` (FAST_SETTINGS in conftest.py).
WAIT_BUDGET_S = 5.0
BEYOND_THE_BUDGET = {"kind": "status", "status": 429, "retry_after": 120}


def test_retry_after_is_slept_for_real(emu, make_provider, grant, ours):
    resource = ours
    with LEDGER.fault("provider", "read × 429 Retry-After (real sleep) × once"):
        emu.add_fault("GET", QUICKBOOKS_INSTANCES, status=429, retry_after=1)  # the run's list
        started = time.monotonic()
        resource.refresh(make_provider())
        assert 1.0 <= time.monotonic() - started < 1.0 + WAIT_BUDGET_S
        assert_converged(emu, make_provider(), resource)


def test_retry_after_beyond_the_budget_fails_at_once(emu, make_provider, grant, ours):
    resource = ours
    with LEDGER.fault("provider", "read × 429 Retry-After 120s > budget × once"):
        emu.add_fault("GET", QUICKBOOKS_INSTANCES, **BEYOND_THE_BUDGET)  # the run's list
        started = time.monotonic()
        error = attempt(lambda: resource.refresh(make_provider()))
        assert isinstance(error, RateLimited) and time.monotonic() - started < 2.0
        assert_good_error(error, names=["list instances"], fault=BEYOND_THE_BUDGET)
        emu.clear_faults()
        assert_converged(emu, make_provider(), resource)
