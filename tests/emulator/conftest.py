"""Fixtures for the emulator's own tests: a real emulator subprocess per test module."""

from __future__ import annotations

import secrets

import pytest

from emulator.harness import Emulator, start_emulator


@pytest.fixture(scope="module")
def emulator():
    """One emulator for the module, with two organizations (random secrets)."""
    accounts = [(secrets.token_hex(12), secrets.token_hex(12)) for _ in range(2)]
    with start_emulator(accounts=accounts) as started:
        yield started


@pytest.fixture
def emu(emulator: Emulator) -> Emulator:
    """The module's emulator with no fault rules and an empty request log."""
    emulator.reset()
    return emulator
