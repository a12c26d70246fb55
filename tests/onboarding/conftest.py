import secrets

import pytest

from emulator.harness import start_emulator
from tests.pulumi_stack import PulumiStack
from tests.support import EVENTS_URL, App, random_accounts

from .driver import local_callback_url

BOOKS = {"name": "Books", "callback_url": EVENTS_URL, "tags": ["env:onboarding"]}


@pytest.fixture(scope="package")
def emu():
    accounts = random_accounts()
    with start_emulator(accounts=accounts) as e:
        yield e


@pytest.fixture
def app():
    """An app whose redirect URI is a free loopback port: onboard listens there."""
    return App(
        api_key=f"app-{secrets.token_hex(4)}",
        api_secret=secrets.token_hex(16),
        callback_url=local_callback_url(),
    )


@pytest.fixture
def stack(tmp_path, emu, app):
    """A temp copy of the project with one instance, `books`, declared and no grant."""
    created = PulumiStack(tmp_path / "project", emu, app, stack="onboarding")
    created.set_instance("books", **BOOKS)
    return created
