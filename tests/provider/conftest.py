import secrets

import pytest

from emulator.harness import start_emulator
from tests.support import (
    EVENTS_URL,
    configured_provider,
    new_app,
    oauth_grant,
    provider_config,
    random_accounts,
)


@pytest.fixture(scope="module")
def emu():
    with start_emulator(accounts=random_accounts(2)) as e:
        yield e


@pytest.fixture
def app():
    return new_app()


@pytest.fixture
def config(emu, app):
    return provider_config(emu, app)


@pytest.fixture
def provider(config):
    return configured_provider(config)


@pytest.fixture
def make_inputs(emu, app, provider):
    """Checked inputs for a new resource (fresh grant, unique ownership tag)."""

    def make(**changes):
        raw = {
            "name": "Books",
            "ownership_tag": f"pulumi:test:stack:r{secrets.token_hex(4)}",
            "callback_url": EVENTS_URL,
            "oauth": oauth_grant(emu, app),
            "tags": ["env:test"],
            **changes,
        }
        result = provider.check({}, raw)
        assert result.failures == [], result.failures
        return result.inputs

    return make
