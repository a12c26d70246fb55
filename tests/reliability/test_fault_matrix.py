"""Fault matrix at provider level: create, read, update, delete (and re-authorize) under
each fault the emulator can inject, once and until the retries run out.

The matrix is a table of cases (an operation, a fault, a variant) driving one test,
`test_fault_row`. Every row then clears the faults, runs the next command as the engine would, and
checks that it converged with no duplicate, no orphan and no lost field; a row
that fails names the operation, the instance, the status and the requestId, and
leaks no secret. Back-off sleeps are recorded instead of slept (the recorded
waits are what the rows assert); one row sleeps for real.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from pulumi.runtime import rpc

from harness.emulator import writes
from harness.leaks import dumps, scan
from provider.api.client import QUICKBOOKS_INSTANCES

from .engine import (
    Resource,
    assert_converged,
    assert_gone,
    assert_good_error,
    attempt,
    break_lookups_after_the_post,
    changed,
    desired,
    owned,
)
from .front_ends import FRONT_ENDS
from .ledger import LEDGER

# Every row runs on both front-ends: the retries, the lookup and adoption are the core's,
# what each front-end adds (its wire form, its secrets, its event loop) is what differs.
pytestmark = pytest.mark.parametrize("front_end", FRONT_ENDS)

TIMEOUT_S = 0.5  # the provider's read timeout in the timeout rows
DELAY_MS = 1500  # longer than that: the request is still running when the client gives up
MAX_RETRIES = 2
MAX_WAIT_S = 5.0

FAULTS = {
    "429 Retry-After": {"kind": "status", "status": 429, "retry_after": 1},
    "500": {"kind": "status", "status": 500},
    "502": {"kind": "status", "status": 502},
    "503": {"kind": "status", "status": 503},
    "504": {"kind": "status", "status": 504},
    "connection reset": {"kind": "reset"},
    "read timeout": {"kind": "delay", "delay_ms": DELAY_MS},
    "response lost after commit": {"kind": "drop_after_commit"},
}
# Retried for GET/PATCH/DELETE (500 is not: it is no transient answer); a single
# occurrence is absorbed within the call.
RETRIED = set(FAULTS) - {"500"}
VARIANTS = {"once": 1, "until retries run out": 50}


LOOKUP_ROWS = [
    ("429 Retry-After", "once"),
    ("503", "once"),
    ("connection reset", "once"),
    ("503", "until retries run out"),
    ("500", "once"),
]

# A new grant for the same company travels in the PATCH as providerData, and the PATCH
# spends it: the retry of a PATCH whose answer was lost is refused ("already
# exchanged") although it was applied. Persistent faults are tried only where the
# PATCH cannot have reached the platform (see the README: a grant spent by an attempt
# whose answer never came back in an earlier run needs a new consent).
REAUTHORIZE_ROWS = [
    ("response lost after commit", "once"),
    ("connection reset", "once"),
    ("read timeout", "once"),
    ("503", "once"),
    ("429 Retry-After", "once"),
    ("500", "once"),
    ("503", "until retries run out"),
    ("connection reset", "until retries run out"),
]


@dataclass(frozen=True)
class Before:
    """The resource's state just before the faulty command."""

    id: str | None
    outs: dict[str, Any]


def _retried(fault: str, variant: str) -> bool:
    """GET, PATCH, DELETE: a single transient fault is absorbed within the call."""
    return fault in RETRIED and variant == "once"


def _post_retried(fault: str, variant: str) -> bool:
    # POST: retried only on 429; a lost answer is resolved by the ownership lookup.
    return (fault == "429 Retry-After" and variant == "once") or (
        fault == "response lost after commit"
    )


def _checked(resource: Resource, make_provider, provider, grant) -> None:
    resource.check(provider)


def _created(resource: Resource, make_provider, provider, grant) -> None:
    """The resource exists, created by a run without faults."""
    resource.check(make_provider()).create(make_provider())


def _created_then_changed(resource: Resource, make_provider, provider, grant) -> None:
    _created(resource, make_provider, provider, grant)
    resource.check(provider, changed(resource.raw))


def _created_then_regranted(resource: Resource, make_provider, provider, grant) -> None:
    _created(resource, make_provider, provider, grant)
    # A re-consent for the same company (another company would be a replace).
    same_company = grant(resource.raw["oauth"]["realm_id"])
    resource.check(provider, changed(resource.raw, oauth=same_company))


def _after_failed_create(emu, resource: Resource, before: Before, fault: str, make_provider):
    assert resource.id is None
    late = owned(emu, resource.raw["ownership_tag"])
    # A POST that timed out on our side went on and committed: the next run
    # must adopt that instance. Nothing else may exist.
    assert len(late) == (1 if FAULTS[fault]["kind"] == "delay" else 0), late
    resource.up(make_provider())  # the next `pulumi up`: the faults have cleared
    assert resource.id in late or not late


def _after_failed_lookup(emu, resource: Resource, before: Before, fault: str, make_provider):
    assert resource.id is None
    assert owned(emu, resource.raw["ownership_tag"]) == []  # it failed before the POST
    resource.up(make_provider())


def _after_failed_refresh(emu, resource: Resource, before: Before, fault: str, make_provider):
    assert resource.outs == before.outs  # a failed refresh changes no state
    resource.refresh(make_provider())  # the next `pulumi refresh`


def _after_failed_update(emu, resource: Resource, before: Before, fault: str, make_provider):
    resource.up(make_provider())  # the next `pulumi up`, from the old state


def _after_failed_destroy(emu, resource: Resource, before: Before, fault: str, make_provider):
    assert resource.id == before.id  # still in state
    resource.destroy(make_provider())  # the next `pulumi destroy`


def _converged(emu, make_provider, resource: Resource, before: Before) -> None:
    assert_converged(emu, make_provider(), resource)


def _converged_on_the_new_grant(emu, make_provider, resource: Resource, before: Before) -> None:
    assert_converged(emu, make_provider(), resource)
    assert resource.outs["oauth_fingerprint"] == resource.inputs["oauth_fingerprint"]


def _gone(emu, make_provider, resource: Resource, before: Before) -> None:
    assert_gone(emu, resource.raw, before.id)


# What the error of a failed command on an existing instance names, by its request.
VERBS = {"GET": "read", "PATCH": "update", "DELETE": "delete"}


@dataclass(frozen=True)
class Operation:
    """One provider command under a fault. Every row runs the same steps (arrange,
    inject, run, settle, check the waits, then the verdict); only these differ."""

    label: str  # in the test id and the ledger
    method: str  # of the request the fault is injected into
    run: Callable[[Resource, Any], None]  # the command, with the faulty provider
    after_failure: Callable[..., None]  # what it left alone, then the next run
    arrange: Callable[..., None] = _created
    path: Callable[[Resource], str] = lambda resource: f"/instances/{resource.id}"
    survives: Callable[[str, str], bool] = _retried  # what the retry rules promise
    verify: Callable[..., None] = _converged
    names: Callable[[Resource], list[str]] | None = None  # else "<verb> instance <id>"

    def error_names(self, resource: Resource, before: Before) -> list[str]:
        """What the error of a failed command must name."""
        if self.names:
            return self.names(resource)
        return [f"{VERBS[self.method]} instance {before.id}"]


def _instances(_resource: Resource) -> str:
    return "/instances"


def _listed(_resource: Resource) -> str:
    """The run's list (every page of the QuickBooks element's instances)."""
    return QUICKBOOKS_INSTANCES


CREATE = Operation(
    "create",
    "POST",
    Resource.create,
    _after_failed_create,
    arrange=_checked,
    path=_instances,
    survives=_post_retried,
    names=lambda r: ["create instance", r.raw["name"], r.raw["ownership_tag"]],
)
# The ownership lookup (the run's `GET /instances`, then `?tags[]=...` after a POST whose
# outcome is unknown) runs before every POST.
LOOKUP = replace(
    CREATE,
    label="create (ownership lookup)",
    method="GET",
    after_failure=_after_failed_lookup,
    path=_listed,
    survives=_retried,
    # The run's inventory is the first lookup: one list of the organization's instances.
    names=lambda r: ["list instances of the organization"],
)
# A refresh reads from that same list.
READ = Operation(
    "read",
    "GET",
    Resource.refresh,
    _after_failed_refresh,
    path=_listed,
    names=lambda r: ["list instances of the organization"],
)
UPDATE = Operation("update", "PATCH", Resource.up, _after_failed_update, _created_then_changed)
REAUTHORIZE = replace(
    UPDATE,
    label="re-authorize",
    arrange=_created_then_regranted,
    verify=_converged_on_the_new_grant,
)
DELETE = Operation("delete", "DELETE", Resource.destroy, _after_failed_destroy, verify=_gone)

ALL_FAULTS = [(fault, variant) for fault in FAULTS for variant in VARIANTS]
CASES = [
    pytest.param(
        operation, fault, variant, id=f"{operation.label}-{fault}-{variant}".replace(" ", "_")
    )
    for operation, rows in (
        (CREATE, ALL_FAULTS),
        (LOOKUP, LOOKUP_ROWS),
        (READ, ALL_FAULTS),
        (UPDATE, ALL_FAULTS),
        (REAUTHORIZE, REAUTHORIZE_ROWS),
        (DELETE, ALL_FAULTS),
    )
    for fault, variant in rows
]


class Waits(list):
    """Stands in for time.sleep in the client's retry policy: records, barely sleeps."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        time.sleep(0.01)


def _faulty_provider(make_provider, fault: str):
    settings = {
        "quickbooks:maxRetries": str(MAX_RETRIES),
        "quickbooks:maxRetryWaitSeconds": str(MAX_WAIT_S),
    }
    if FAULTS[fault]["kind"] == "delay":
        settings["quickbooks:requestTimeoutSeconds"] = str(TIMEOUT_S)
    provider = make_provider(**settings)
    waits = Waits()
    provider.client().retry.sleep = waits
    return provider, waits


def _inject(emu, method: str, path: str, fault: str, variant: str) -> None:
    emu.add_fault(method, path, count=VARIANTS[variant], **FAULTS[fault])


def _settle(emu, fault: str, since: float) -> None:
    """Clears the faults; lets requests still sleeping in a delay fault finish."""
    emu.clear_faults()
    if FAULTS[fault]["kind"] == "delay":
        time.sleep(max(0.0, since + DELAY_MS / 1000 + 0.3 - time.monotonic()))


def _check_waits(waits: Waits, fault: str) -> None:
    assert len(waits) <= MAX_RETRIES and sum(waits) <= MAX_WAIT_S, waits
    if fault == "429 Retry-After":
        assert waits and all(w == 1.0 for w in waits), f"Retry-After not honoured: {waits}"


def _scan_request_log(emu) -> None:
    found = scan("emulator request log", dumps(emu.requests()))
    assert not found, found


@pytest.mark.parametrize("operation, fault, variant", CASES)
def test_fault_row(emu, make_provider, grant, operation: Operation, fault, variant):
    resource = Resource(desired(grant()))
    provider, waits = _faulty_provider(make_provider, fault)
    operation.arrange(resource, make_provider, provider, grant)
    before = Before(resource.id, dict(resource.outs))
    with LEDGER.fault("provider", f"{operation.label} × {fault} × {variant}"):
        _inject(emu, operation.method, operation.path(resource), fault, variant)
        started = time.monotonic()
        error = attempt(lambda: operation.run(resource, provider))
        _settle(emu, fault, started)
        _check_waits(waits, fault)
        if operation.survives(fault, variant):
            assert error is None, error
        else:
            assert error is not None
            assert_good_error(
                error, names=operation.error_names(resource, before), fault=FAULTS[fault]
            )
            operation.after_failure(emu, resource, before, fault, make_provider)
        operation.verify(emu, make_provider, resource, before)
        _scan_request_log(emu)


def test_create_whose_answer_is_lost_and_whose_lookup_then_fails(emu, make_provider, grant):
    """The instance exists but the provider cannot find out: the run fails, the next one
    adopts it."""
    resource = Resource(desired(grant()))
    provider, _waits = _faulty_provider(make_provider, "503")
    resource.check(provider)
    with LEDGER.fault(
        "provider", "create × response lost, then lookup 503 × until retries run out"
    ):
        break_lookups_after_the_post(emu, provider)
        error = attempt(lambda: resource.create(provider))
        emu.clear_faults()
        assert error is not None and resource.id is None
        assert_good_error(
            error,
            names=["create instance", resource.raw["name"], "look up instances", "pulumi up"],
            fault=FAULTS["503"],
        )
        assert len(owned(emu, resource.raw["ownership_tag"])) == 1  # committed, not in state
        resource.up(make_provider())
        # Adopted by its ownership tag, token included (the platform returns it on reads).
        assert rpc.unwrap_rpc_secret(resource.outs["token"])
        assert_converged(emu, make_provider(), resource)


def test_parallel_creates_under_faults(emu, make_provider, grant):
    """The engine creates resources in parallel through one provider process."""
    provider, _waits = _faulty_provider(make_provider, "503")
    resources = [Resource(desired(grant())).check(provider) for _ in range(4)]
    with LEDGER.fault("provider", "4 parallel creates × lost answers and 503 lookups × twice"):
        emu.clear_requests()
        emu.add_fault("POST", "/instances", kind="drop_after_commit", count=2)
        emu.add_fault("GET", QUICKBOOKS_INSTANCES, status=503, count=2)
        errors: list[Exception | None] = [None] * len(resources)

        def create(i: int) -> None:
            errors[i] = attempt(lambda: resources[i].create(provider))

        threads = [threading.Thread(target=create, args=(i,)) for i in range(len(resources))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        emu.clear_faults()
        assert errors == [None] * len(resources), errors
        # Two answers lost, four instances, no duplicate; the adopted ones have tokens too.
        assert [c for c in writes(emu) if c[0] == "POST"] == [("POST", "/instances")] * 4
        assert all(rpc.unwrap_rpc_secret(r.outs["token"]) for r in resources)
        for resource in resources:
            assert_converged(emu, make_provider(), resource)
