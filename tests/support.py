"""Moved to the `harness` package; kept so branches written against the old path still
import (new code imports `harness.accounts` and `harness.emulator`)."""

from harness.accounts import *  # noqa: F403
from harness.emulator import calls, writes  # noqa: F401
