"""Fixtures of the events tests: the reference receiver, holding the keys its module names."""

import pytest

from harness.receiver import start_receiver


@pytest.fixture(scope="module")
def receiver_keys() -> list[str]:
    """The keys the module's receiver verifies with: a module using `receiver` overrides this."""
    pytest.fail("a module using `receiver` names its keys in a `receiver_keys` fixture")


@pytest.fixture(scope="module")
def receiver(receiver_keys):
    with start_receiver(receiver_keys) as started:
        yield started
