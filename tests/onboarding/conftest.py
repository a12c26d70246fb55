import pytest

from harness.accounts import EVENTS_URL
from harness.emulator import watched_emulator

from .driver import local_callback_url

BOOKS = {"name": "Books", "callback_url": EVENTS_URL, "tags": ["env:onboarding"]}


@pytest.fixture(scope="package")
def emulator():
    """One emulator for the whole folder."""
    with watched_emulator() as started:
        yield started


@pytest.fixture
def app_callback_url() -> str:
    """A free loopback port: onboard listens there."""
    return local_callback_url()


@pytest.fixture
def stack_name() -> str:
    return "onboarding"


@pytest.fixture
def stack(stack):
    """The project with one instance, `books`, declared and no grant."""
    stack.set_instance("books", **BOOKS)
    return stack
