"""What the steps of one provider process share, hammered from threads.

The inventory is shared by every step of one provider process, and the engine runs
steps in parallel threads: the creates' `record` and the deletes' `forget` change it
while other steps read it (`bound_to` before a create, `tagged` in the lost-create
lookup, `tags_of` and `instance` before an update or delete). No read may see it
half-changed or fail because it changed meanwhile.

Before reads took the inventory's lock, a 300-instance `up` failed with "dictionary
changed size during iteration" in `bound_to`; this hammers the same pairs.
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from provider.api.inventory import Inventory
from provider.api.redact import REDACTED, Redactor
from provider.core.catalog import KEY_REALM

LISTED = 2000  # the organization's instances as listed: long iterations, wide windows
TAG = "pulumi:test:stack:new"
REALM = "9130350000000001"


def _listing() -> list[dict]:
    found = [
        {
            "id": n,
            "tags": [f"pulumi:test:stack:r{n}", "pulumi:test:stack"],
            "configuration": {KEY_REALM: str(9130350000100000 + n)},
        }
        for n in range(LISTED)
    ]
    return found


@contextmanager
def _switching_often() -> Iterator[None]:
    """Threads switch every microsecond, as they may on a busy machine."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _hammer(inventory: Inventory, readers: list[Callable[[], object]], seconds: float) -> list:
    """Creates and deletes (record, forget) against `readers`, from threads, for
    `seconds`; every exception any thread raised."""
    failures: list[BaseException] = []
    stop = threading.Event()

    def repeat(call: Callable[[], object]) -> None:
        try:
            while not stop.is_set():
                call()
        except BaseException as exc:  # noqa: BLE001 - every failure is the finding
            failures.append(exc)
            stop.set()

    counter = iter(range(LISTED, 10**9))

    def create() -> None:
        n = next(counter)
        inventory.record({"id": n, "tags": [f"pulumi:test:stack:r{n}"]}, str(n))

    def delete() -> None:
        n = next(counter)
        inventory.record({"id": n, "tags": []}, None)
        inventory.forget(str(n), gone=True)
        inventory.forget(str(n % LISTED))

    threads = [threading.Thread(target=repeat, args=(c,)) for c in (create, delete, *readers)]
    with _switching_often():
        for thread in threads:
            thread.start()
        stop.wait(seconds)
        stop.set()
        for thread in threads:
            thread.join()
    return failures


def test_reads_never_see_the_inventory_change_under_them():
    inventory = Inventory(_listing)
    readers = [
        lambda: inventory.bound_to(REALM, besides=None),
        lambda: inventory.tagged(TAG),
        lambda: inventory.tags_of("7"),
        lambda: inventory.instance("8"),
    ]
    failures = _hammer(inventory, readers, seconds=2.0)
    assert failures == [], failures[:1]


def test_what_a_run_recorded_is_what_it_reads():
    """Under the same hammering, every read is of a whole state: a recorded instance's
    company counts for the one-company rule, and a deleted one's no longer does."""
    inventory = Inventory(_listing)
    assert inventory.tagged(TAG) == []  # listed, as the lost-create lookup lists first
    inventory.record({"id": "new", "tags": [TAG]}, REALM)
    failures = _hammer(inventory, [lambda: inventory.bound_to(REALM, None)], seconds=1.0)
    assert failures == []
    other, unknown = inventory.bound_to(REALM, besides=None)
    assert other is not None and str(other["id"]) == "new" and unknown == []
    assert [str(i["id"]) for i in inventory.tagged(TAG) or []] == ["new"]
    inventory.forget("new", gone=True)
    assert inventory.bound_to(REALM, besides=None)[0] is None


def test_the_redactor_redacts_while_it_learns():
    """Every step's client learns secrets (tokens of each answer) while others redact
    their error messages: a redaction never fails, nor misses a secret known before it."""
    redact = Redactor(["known-secret-value"])
    failures: list[BaseException] = []
    stop = threading.Event()

    def learn() -> None:
        for n in itertools.count():
            if stop.is_set():
                return
            redact.add(f"token-{n:08d}")

    def use() -> None:
        try:
            while not stop.is_set():
                assert redact("a known-secret-value b") == f"a {REDACTED} b"
        except BaseException as exc:  # noqa: BLE001 - every failure is the finding
            failures.append(exc)
            stop.set()

    threads = [threading.Thread(target=f) for f in (learn, use, use)]
    with _switching_often():
        for thread in threads:
            thread.start()
        stop.wait(1.0)
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == [], failures[:1]
