"""The package's version: written once, in pyproject.toml.

Installed, it is the distribution's metadata; in a checkout (never installed:
`[tool.uv] package = false`), pyproject.toml beside the package.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "pulumi-quickbooks"


def version() -> str:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    if pyproject.is_file() and (Path(__file__).resolve().parents[1].name == "provider"):
        return tomllib.loads(pyproject.read_text())["project"]["version"]
    return metadata.version(DISTRIBUTION)
