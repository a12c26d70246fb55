"""`pulumi-resource-quickbooks`: the plugin the engine starts (also `python -m provider.plugin`).

The engine runs it with its own address as the first argument and reads the port
the plugin serves on from its first line of output, which comes before the
provider is loaded (`startup.py`).
"""

from __future__ import annotations

import sys

from .startup import serve


def main() -> None:
    args = sys.argv[1:]
    # The engine's address comes last, after flags such as `--tracing <endpoint>`.
    engine = args[-1] if args and not args[-1].startswith("-") else None
    if engine is None:
        print(
            "usage: pulumi-resource-quickbooks <engine address> (the engine starts it)",
            file=sys.stderr,
        )
        sys.exit(2)
    serve(engine)


if __name__ == "__main__":
    main()
