import pytest

from emulator.harness import start_emulator
from tests.pulumi_stack import PulumiStack
from tests.support import new_app, random_accounts


@pytest.fixture(scope="module")
def emu():
    accounts = random_accounts()
    with start_emulator(accounts=accounts) as e:
        yield e


@pytest.fixture
def app():
    return new_app()


@pytest.fixture
def stack(tmp_path, emu, app):
    return PulumiStack(tmp_path / "project", emu, app)
