"""The command-line options that `python -m bench` and `python -m bench.bulk` share."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def add_saved(
    parser: argparse.ArgumentParser, name: str, saved_help: str, again: str, again_help: str
) -> None:
    """`--saved`, the pickle of each finished section's figures (`name` in the temporary
    folder by default), and the flag `again` that starts from it."""
    parser.add_argument(
        "--saved", type=Path, default=Path(tempfile.gettempdir()) / name, help=saved_help
    )
    parser.add_argument(again, action="store_true", help=again_help)
