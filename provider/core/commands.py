"""The commands the provider's messages tell a person to run, as that person has them.

In this repository onboarding is `python -m provider.onboard`; an installed package
(`pip install`, where `provider/` becomes `pulumi_quickbooks_provider/`) has the
console script instead. Which one follows from the name this package is imported
under, so every message names a command that exists where it is read.
"""

from __future__ import annotations

# The package's import name when installed from the wheel (pyproject.toml maps
# `provider/` to it), and the console script that runs onboarding there.
INSTALLED_PACKAGE = "pulumi_quickbooks_provider"
ONBOARD_SCRIPT = "quickbooks-onboard"


def onboard_command(package: str = __package__ or "") -> str:
    """`quickbooks-onboard` when installed as a package, else `python -m provider.onboard`."""
    top = package.split(".")[0]
    return ONBOARD_SCRIPT if top == INSTALLED_PACKAGE else f"python -m {top}.onboard"


ONBOARD_COMMAND = onboard_command()
