"""QuickBooks companies for test instances: one authorized instance per company.

Authorizing a second instance of an organization for a company wipes the first's
authorization, so whoever makes many instances gives each its own company, and
starts the emulator with enough of them (`--companies`).
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterator

from emulator.catalog import FIRST_REALM, SANDBOX_COMPANIES

from .controls import Emulator

# What watched emulators offer: enough that every instance a test module makes can
# have its own company (`new_company`).
TEST_COMPANIES = 400
_OFFERED: weakref.WeakKeyDictionary[Emulator, int] = weakref.WeakKeyDictionary()
_HANDED_OUT: weakref.WeakKeyDictionary[Emulator, Iterator[int]] = weakref.WeakKeyDictionary()


def offered(emu: Emulator, companies: int) -> None:
    """Record that `emu` was started with `--companies companies`."""
    _OFFERED[emu] = companies


def generated_company(index: int) -> str:
    """The realm id of the `index`-th company past the three sandbox ones (from 0)."""
    return str(FIRST_REALM + len(SANDBOX_COMPANIES) + index)


def companies_for(instances: int) -> int:
    """The --companies that gives `instances` instances each a generated company."""
    return len(SANDBOX_COMPANIES) + instances


def new_company(emu: Emulator) -> str:
    """The realm id of a company of `emu` that no earlier call handed out.

    Past the three sandbox companies when `emu` offers more, so tests that name
    those companies keep them to themselves.
    """
    count = _OFFERED.get(emu, len(SANDBOX_COMPANIES))
    first = len(SANDBOX_COMPANIES) + 1 if count > len(SANDBOX_COMPANIES) else 1
    number = next(_HANDED_OUT.setdefault(emu, itertools.count(first)))
    if number > count:
        raise RuntimeError(
            f"the emulator offers {count} companies and all were handed out: "
            "start it with a larger --companies (watched_emulator(companies=...))"
        )
    return str(FIRST_REALM + number - 1)
