"""The commands the provider's messages tell a person to run, as that person has them.

In this repository onboarding is `python -m provider.onboard`; an installed package
(`pip install`, where `provider/` becomes `pulumi_quickbooks_provider/`) has the
console script instead. Which one follows from the name this package is imported
under, so every message names a command that exists where it is read.

A wrapper that runs `pulumi` for its user with a set-up of its own (a backend, a
working copy of the stack config: `scripts/local.sh` for the `local` stack) says
which commands its user types instead, in QUICKBOOKS_ONBOARD_COMMAND and
QUICKBOOKS_UP_COMMAND; the provider inherits them from the `pulumi` it runs under.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .tags import parts_of

# The package's import name when installed from the wheel (pyproject.toml maps
# `provider/` to it), and the console script that runs onboarding there.
INSTALLED_PACKAGE = "pulumi_quickbooks_provider"
ONBOARD_SCRIPT = "quickbooks-onboard"
ONBOARD_COMMAND_ENV = "QUICKBOOKS_ONBOARD_COMMAND"
UP_COMMAND_ENV = "QUICKBOOKS_UP_COMMAND"


def onboard_command(package: str = __package__ or "") -> str:
    """`quickbooks-onboard` when installed as a package, else `python -m provider.onboard`."""
    top = package.split(".")[0]
    return ONBOARD_SCRIPT if top == INSTALLED_PACKAGE else f"python -m {top}.onboard"


ONBOARD_COMMAND = onboard_command()


def onboard_for(stack: str, key: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The onboarding command line for `stack` (and instance `key`), as its user types it."""
    command = f"{environ.get(ONBOARD_COMMAND_ENV) or ONBOARD_COMMAND} --stack {stack}"
    return f"{command} --instance {key}" if key else command


def onboard_for_resource(ownership_tag: str | None) -> str:
    """The onboarding command line for the resource the tag names (its stack, and its
    name as the instance key); placeholders only when there is no tag to read."""
    parts = parts_of(ownership_tag or "")
    return onboard_for(parts[1], parts[2]) if parts else onboard_for("<stack>", "<key>")


def up_command(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get(UP_COMMAND_ENV) or "pulumi up"
