"""The emulator's own tests share the module's emulator (tests/conftest.py), reset per test."""

from __future__ import annotations

import pytest

from harness.controls import Emulator


@pytest.fixture
def emu(emulator: Emulator) -> Emulator:
    """The module's emulator with no fault rules and an empty request log."""
    emulator.reset()
    return emulator
