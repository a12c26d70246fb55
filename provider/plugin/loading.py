"""How the plugin loads its provider, in whichever process answers the engine."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def load(build: Callable[[], T]) -> T:
    """`build()`, which imports the provider, at the least cost."""
    # Loading makes ~90,000 objects that live as long as the process and no garbage:
    # the collector's passes over them meanwhile cost ~15% of the load, and once they
    # are frozen the passes of every request skip them.
    gc.disable()
    # pydantic looks for plugins of its own in every installed distribution's entry
    # points when it builds its first model (~0.035 s); the provider's models use none.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        return build()
    finally:
        gc.freeze()
        gc.enable()
